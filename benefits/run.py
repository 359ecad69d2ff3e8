"""What the monthly run asks of the benefits: who is owed what this month, who pays a
tier's contribution, and what the pool's history says about how often members claim.

The plans step reads these once and stores the result on each member's plan, so the
posting chunks (and a resumed run) pay exactly what was planned.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from benefits import repository
from benefits.models import BenefitClaim
from benefits.payments import ClaimTerms, due_for, last_day
from core.periods import Period
from pools.models import Pool
from runs.models import Decision, MemberPlan


@dataclass(frozen=True)
class BenefitDue:
    amount_minor: int
    factors: dict[str, Any]
    waive_contributions: bool
    """The member was on benefit in the month and the benefit's rule waives contributions."""


@dataclass(frozen=True)
class MonthBenefits:
    """Per membership: the benefit due this month, and the tiers' monthly contributions."""

    due: dict[uuid.UUID, BenefitDue] = field(default_factory=dict)
    premiums: dict[uuid.UUID, int] = field(default_factory=dict)
    premium_levels: dict[uuid.UUID, dict[str, int]] = field(default_factory=dict)
    """The tier of each benefit the premium pays for (`{"sick": 2}`), for the decision."""


def terms_of(claim: BenefitClaim) -> ClaimTerms:
    return ClaimTerms(
        starts_on=claim.starts_on, back_on=claim.back_on, paid_through=claim.paid_through,
        waiting_days=int(claim.rules["waiting_days"]), max_months=int(claim.rules["max_months"]),
        monthly_benefit_minor=claim.monthly_benefit_minor,
    )  # fmt: skip


def _on_benefit_in(terms: ClaimTerms, period: Period) -> bool:
    """Some day of the month falls in the claim's paid days."""
    first, last = period.first_day, last_day(period)
    end = terms.last_payable_day
    if terms.back_on is not None:
        end = min(end, terms.back_on - timedelta(days=1))
    return terms.first_paid_day <= last and end >= first


async def month_benefits(
    session: AsyncSession, pool: Pool, period: Period, membership_ids: Sequence[uuid.UUID]
) -> MonthBenefits:
    due: dict[uuid.UUID, BenefitDue] = {}
    for claim in await repository.payable_claims(session, pool.id, membership_ids):
        terms = terms_of(claim)
        month = due_for(terms, period)
        waive = bool(claim.rules.get("waive_contributions")) and _on_benefit_in(terms, period)
        if month.amount_minor <= 0 and not waive:
            continue
        factors = {
            "claim_id": str(claim.id), "claim_reference": claim.reference, "kind": claim.kind,
            "level": claim.level, **month.factors(terms),
        }  # fmt: skip
        due[claim.membership_id] = BenefitDue(month.amount_minor, factors, waive)
    premiums: dict[uuid.UUID, int] = {}
    levels: dict[uuid.UUID, dict[str, int]] = {}
    plans = {plan.kind: plan for plan in await repository.plans_of(session, pool.id)}
    wanted = set(membership_ids)
    for enrolment, member in await repository.enrolments_of_pool(session, pool.id):
        plan = plans.get(enrolment.kind)
        if plan is None or member.id not in wanted:
            continue
        tier = next((t for t in plan.tiers if t["level"] == enrolment.level), None)
        if tier is None:  # tiers changed since: the highest tier at or below the one chosen
            lower = [t for t in plan.tiers if t["level"] <= enrolment.level]
            tier = lower[-1] if lower else plan.tiers[0]
        premiums[member.id] = premiums.get(member.id, 0) + int(tier["contribution_minor"])
        levels.setdefault(member.id, {})[enrolment.kind] = int(tier["level"])
    return MonthBenefits(due, premiums, levels)


async def mark_paid(session: AsyncSession, plans: Sequence[MemberPlan]) -> None:
    """After a chunk pays its members' benefits: each claim paid through its last paid day;
    a claim that reached its maximum is `exhausted`, one whose member is back and fully paid
    is `ended`. In the chunk's transaction, so a redone chunk finds it as it was."""
    factors = {
        uuid.UUID(p.benefit_factors["claim_id"]): p.benefit_factors
        for p in plans
        if p.benefit_factors and p.benefit_due_minor > 0 and p.benefit_factors.get("paid_through")
    }
    claims = await repository.claims_by_id(session, list(factors))
    for claim_id, f in factors.items():
        claim = claims[claim_id]
        day = date.fromisoformat(f["paid_through"])
        if claim.paid_through is not None and claim.paid_through >= day:
            continue
        claim.paid_through = day
        if f.get("reaches_maximum"):
            claim.status = "exhausted"
        elif claim.back_on is not None and day >= claim.back_on - timedelta(days=1):
            claim.status = "ended"


@dataclass(frozen=True)
class ClaimHistory:
    """How often the pool's members were paid a benefit, for pricing."""

    member_months: int
    benefit_months: int


async def claim_history(session: AsyncSession, pool_id: uuid.UUID, period: Period) -> ClaimHistory:
    """Member-months and months with a benefit paid over the 12 months before `period`."""
    since = str(period.shift(-12))
    months = await session.scalar(
        select(func.count()).where(
            MemberPlan.pool_id == pool_id, MemberPlan.period >= since,
            MemberPlan.period < str(period),
        )
    )  # fmt: skip
    paid = await session.scalar(
        select(func.count()).where(
            Decision.pool_id == pool_id, Decision.kind == "benefit",
            Decision.period >= since, Decision.period < str(period),
        )
    )  # fmt: skip
    return ClaimHistory(int(months or 0), int(paid or 0))


async def tier_levels(session: AsyncSession, pool_id: uuid.UUID) -> dict[tuple[str, int], int]:
    """(kind, level) → monthly benefit, for every tier the pool offers."""
    return {
        (plan.kind, int(tier["level"])): int(tier["benefit_minor"])
        for plan in await repository.plans_of(session, pool_id)
        for tier in plan.tiers
    }


async def waives_contributions(session: AsyncSession, pool_id: uuid.UUID) -> bool:
    plans = await repository.plans_of(session, pool_id)
    return any(plan.waive_contributions for plan in plans)
