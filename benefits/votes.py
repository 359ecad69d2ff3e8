"""Benefit tiers changed by member vote.

A proposal names a tier's amount as `benefit.<kind>.tier<level>.<benefit_minor |
contribution_minor>` beside the pool's other rules (`{"benefit.sick.tier2.benefit_minor":
150000}`), so a vote changes tiers the way it changes any rule: checked when proposed, and
applied by the first run of the period the vote adopted it for. Claims already made keep
the monthly amount they were made with.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from actuarial.benefits import DEFAULT_SHARE_ON_BENEFIT, BenefitLoad
from benefits import repository
from benefits.models import BenefitPlan
from benefits.rules import InvalidBenefitRules, check_tiers
from core.clock import utcnow
from core.money import minor_digits

PREFIX = "benefit."
_KEY = re.compile(r"^benefit\.([a-z]+)\.tier([1-9])\.(benefit_minor|contribution_minor)$")


def split_changes(changes: Mapping[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """(the pool's rules, the benefit tiers) of a proposal's changes."""
    rules = {k: v for k, v in changes.items() if not k.startswith(PREFIX)}
    tiers = {k: v for k, v in changes.items() if k.startswith(PREFIX)}
    return rules, tiers


async def _changed(
    session: AsyncSession, pool_id: uuid.UUID, changes: Mapping[str, int]
) -> tuple[dict[str, int], dict[str, tuple[BenefitPlan, list[dict[str, int]]]]]:
    """The values before, and each plan with its tiers after, checked as a whole."""
    before: dict[str, int] = {}
    plans: dict[str, tuple[BenefitPlan, list[dict[str, int]]]] = {}
    for key, value in changes.items():
        match = _KEY.match(key)
        if match is None:
            raise InvalidBenefitRules(f"{key} is not a benefit tier's amount", field=key)
        kind, level, name = match.group(1), int(match.group(2)), match.group(3)
        if kind not in plans:
            plan = await repository.plan_of(session, pool_id, kind)
            if plan is None:
                raise InvalidBenefitRules(f"the pool offers no {kind} benefit", field=key)
            plans[kind] = (plan, [dict(tier) for tier in plan.tiers])
        tiers = plans[kind][1]
        if not 1 <= level <= len(tiers):
            raise InvalidBenefitRules(f"the {kind} benefit has tiers 1 to {len(tiers)}", field=key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidBenefitRules(f"{key} must be a whole number", field=key)
        before[key] = int(tiers[level - 1][name])
        tiers[level - 1][name] = value
    for kind, (plan, tiers) in plans.items():
        plans[kind] = (plan, check_tiers(tiers))
    return before, plans


async def tiers_before(
    session: AsyncSession, pool_id: uuid.UUID, changes: Mapping[str, int]
) -> dict[str, int]:
    """What the named tier amounts are now; refuses changes that would not be valid tiers."""
    before, _ = await _changed(session, pool_id, changes)
    return before


async def apply_tier_changes(
    session: AsyncSession, pool_id: uuid.UUID, changes: Mapping[str, int]
) -> None:
    """Apply an adopted change's tier amounts (its other rules are `pools.rule_changes`')."""
    _, tiers = split_changes(changes)
    if not tiers:
        return
    _, plans = await _changed(session, pool_id, tiers)
    for plan, new in plans.values():
        plan.tiers = new
        plan.updated_at = utcnow()


async def load_after(
    session: AsyncSession,
    pool_id: uuid.UUID,
    changes: Mapping[str, int],
    load: BenefitLoad | None,
    currency: str,
) -> BenefitLoad | None:
    """The month's benefit load once `changes` apply to the tiers members hold now, from
    the load the last run priced (`load`): each changed tier moves the expected claims, their
    variance and the tier contributions by its members' count times the change. None when
    no tier changes."""
    before, plans = await _changed(session, pool_id, changes)
    if not before:
        return None
    load = load or BenefitLoad(share_on_benefit=DEFAULT_SHARE_ON_BENEFIT)
    held = Counter(
        (enrolment.kind, enrolment.level)
        for enrolment, _ in await repository.enrolments_of_pool(session, pool_id)
    )
    p, scale = load.share_on_benefit, 10.0 ** -minor_digits(currency)
    waived = any(plan.waive_contributions for plan, _ in plans.values())
    mean, var, premiums = load.claims_mean, load.claims_var, load.premiums
    for key, old in before.items():
        match = _KEY.match(key)
        assert match is not None  # _changed refused any other key
        members = held[(match.group(1), int(match.group(2)))]
        new, was = changes[key] * scale, old * scale
        if match.group(3) == "benefit_minor":
            mean += p * members * (new - was)
            var += p * (1.0 - p) * members * (new * new - was * was)
        else:
            premiums += (1.0 - p if waived else 1.0) * members * (new - was)
    return replace(load, claims_mean=mean, claims_var=max(var, 0.0), premiums=premiums)
