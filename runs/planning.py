"""The plans step: every member's forecast, target, contribution, relief and payout due.

All of it is computed at once, vectorised over the pool's members, from the model's
forecast and the pool's rules; only then is anything written. The month's decisions are
judged against the baseline set *before* the month (last month's plan, or a forecast from
the history up to last month), so a low month cannot lower the bar it is measured by.

What a member who reported no income for the period gets, decided once here: the pool's
minimum contribution and no payout. A payout is never made on missing data; the member is
reminded before the cut-off and can report late income, which then counts from next month's
history on (a late report does not reopen a closed month).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from actuarial import PoolRules, decide_payouts, decide_relief
from actuarial.benefits import BenefitLoad, benefit_load
from actuarial.model import QUANTILES, Forecast, IncomeModel
from actuarial.relief import catchup_schedule
from core.money import floor_floats, from_floats, minor_digits
from core.periods import Period
from pools.models import Pool
from pools.rules import BP, StoredRules, engine_rules
from runs.explain import ON_BENEFIT
from runs.inputs import ClosedIncome, Members, trimmed

PLAN_MONTHS = 6
"""Forecast months shown to a member (the savings target's horizon)."""
PRICING_MONTHS = 12
NOT_REPORTED = "income_not_reported"
"""Reason code of a contribution at the minimum, and a refused payout, for a member who
reported nothing for the period."""
_P = {q: QUANTILES.index(q) for q in (0.10, 0.25, 0.50, 0.90)}


@dataclass(frozen=True)
class BenefitInputs:
    """The month's benefits per member in ordinal order (`benefits.run.month_benefits`)."""

    due_minor: NDArray[np.int64]
    factors: list[dict[str, Any] | None]
    on_benefit: NDArray[np.bool_]
    waived: NDArray[np.bool_]
    premium_minor: NDArray[np.int64]
    """The monthly contribution of the tiers the member chose."""
    premium_levels: list[dict[str, int]]
    level_minor: NDArray[np.int64]
    """The monthly benefit of the member's tiers, for pricing."""
    share_on_benefit: float
    waive_rule: bool


@dataclass(frozen=True)
class Carried:
    """What earlier months left for this one, per member in ordinal order."""

    previous_baseline_minor: NDArray[np.int64]
    """Last period's plan baseline, or -1 where there is none."""
    payout_months_used: NDArray[np.int64]
    catchup_due_minor: NDArray[np.int64]
    catchup_sources: list[list[str]]
    savings_minor: NDArray[np.int64]
    owed_minor: NDArray[np.int64]
    benefits: BenefitInputs | None = None


@dataclass(frozen=True)
class MonthPlan:
    """The plans step's result: rows to store, and what pricing needs."""

    rows: list[dict[str, Any]]
    forecast: Forecast
    priced: NDArray[np.int64]
    """Members with income history, whom pricing covers (others have no risk to price)."""
    tenure_next: NDArray[np.int64]
    payout_months_used: NDArray[np.int64]
    planned_collected_minor: int
    planned_payouts_minor: int
    """Smoothing payouts and benefits the month will most likely pay."""
    benefit_load: BenefitLoad = field(default_factory=BenefitLoad)
    """Expected benefit claims and tier contributions per month, for pricing."""


def run_seed(pool_id: uuid.UUID, period: Period) -> int:
    """A seed fixed by (pool, period): a resumed run draws the same paths."""
    return int(pool_id.int % 2**31) ^ (period.year * 12 + period.month)


def _catchup_minor(
    deferred_minor: int, deferred: float, rules: PoolRules, currency: str
) -> list[int]:
    """The catch-up schedule in minor units, summing exactly to what was deferred."""
    if deferred_minor <= 0:
        return []
    parts = catchup_schedule(deferred, rules)
    minor = [int(v) for v in from_floats(np.asarray(parts[:-1]), currency)] if parts else []
    minor = [max(v, 0) for v in minor]
    minor.append(deferred_minor - sum(minor))
    while minor and minor[-1] < 0:  # rounding pushed the last instalment below zero
        minor.pop()
        minor[-1] += deferred_minor - sum(minor)
    return [v for v in minor if v > 0]


def plan_month(
    pool: Pool,
    period: Period,
    members: Members,
    income: ClosedIncome,
    model: IncomeModel,
    carried: Carried,
    reserve_minor: int,
) -> MonthPlan:
    stored = StoredRules.of(pool)
    rules = engine_rules(stored, pool.currency)
    currency = pool.currency
    scale = 10.0 ** minor_digits(currency)
    seed = run_seed(pool.id, period)
    history = income.history
    forecast = model.predict(history, horizon=PRICING_MONTHS, seed=seed)

    # The bar this month is judged by: set before the month.
    decision_baseline = carried.previous_baseline_minor.astype(np.float64) / scale
    missing = carried.previous_baseline_minor < 0
    if missing.any() and history.n_months > 1:
        before = trimmed(history, 1).subset(np.flatnonzero(missing))
        if (before.amounts > 0).any():
            prior = model.predict(before, horizon=1, seed=seed + 1)
            decision_baseline[missing] = prior.baseline
        else:
            decision_baseline[missing] = 0.0
    decision_baseline = np.maximum(decision_baseline, 0.0)
    y = income.period_minor.astype(np.float64) / scale
    reported = income.reported

    relief = decide_relief(decision_baseline, y, rules)
    contribution = from_floats(relief.contribution, currency)
    forgiven = np.minimum(from_floats(relief.forgiven, currency), contribution)
    deferred = np.minimum(from_floats(relief.deferred, currency), contribution - forgiven)
    minimum = int(stored.min_contribution_minor)
    contribution = np.where(reported, contribution, minimum)
    forgiven = np.where(reported, forgiven, 0)
    deferred = np.where(reported, deferred, 0)
    paid_now = contribution - forgiven - deferred
    benefits = carried.benefits
    n = members.n
    premium = benefits.premium_minor if benefits else np.zeros(n, dtype=np.int64)
    waived = benefits.waived if benefits else np.zeros(n, dtype=bool)
    on_benefit = benefits.on_benefit if benefits else np.zeros(n, dtype=bool)
    benefit_due = benefits.due_minor if benefits else np.zeros(n, dtype=np.int64)
    # The tiers' contributions come on top; a waived month is forgiven whole.
    contribution = contribution + premium
    paid_now = np.where(waived, 0, paid_now + premium)
    forgiven = np.where(waived, contribution, forgiven)
    deferred = np.where(waived, 0, deferred)

    tenure = members.months_of_membership
    used = carried.payout_months_used
    payouts = decide_payouts(decision_baseline, y, tenure, used, rules)
    due = np.where(reported & ~on_benefit, floor_floats(payouts.due, currency), 0)

    baseline_next = from_floats(forecast.baseline, currency)
    target = from_floats(forecast.savings_target, currency)
    q = from_floats(forecast.quantiles.reshape(-1), currency).reshape(forecast.quantiles.shape)
    low_ahead = (baseline_next > 0) & (
        forecast.quantiles[:, 0, _P[0.25]] < forecast.baseline * (1.0 - rules.deductible_share)
    )
    gap = np.maximum(target - carried.savings_minor, 0)
    set_aside = -(-gap // forecast.savings_months)

    # What the month will most likely move, for the reserve the projection starts from.
    charge = carried.owed_minor + paid_now + carried.catchup_due_minor
    collected = int(np.minimum(charge, carried.savings_minor).sum())
    available = reserve_minor + collected
    benefit_total = int(benefit_due.sum())
    benefits_paid = min(benefit_total, max(available, 0))
    available -= benefits_paid
    due_total = int(due.sum())
    paid_out = due_total if due_total <= available else int((due * available // due_total).sum())
    paid_out += benefits_paid

    relief_reasons = relief.reasons
    payout_reasons = payouts.reasons
    lengths = history.history_lengths()
    has_income: NDArray[np.bool_] = np.asarray((history.amounts > 0).any(axis=(1, 2)))
    rows: list[dict[str, Any]] = []
    for i in range(members.n):
        relief_f: dict[str, Any] = dict(relief.factors(i).as_dict())
        schedule = _catchup_minor(int(deferred[i]), float(relief.deferred[i]), rules, currency)
        if not reported[i]:
            relief_f, schedule = {**relief_f, "contribution": minimum / scale}, []
        payout_f = payouts.factors(i).as_dict()
        if not reported[i]:  # never a payout on missing data, whatever the engine saw
            payout_f = {**payout_f, "reason": NOT_REPORTED, "due": 0.0, "payout": 0.0}
        relief_reason = relief_reasons[i] if reported[i] else NOT_REPORTED
        payout_reason = payout_reasons[i] if reported[i] else NOT_REPORTED
        if on_benefit[i]:
            payout_f = {**payout_f, "reason": ON_BENEFIT, "due": 0.0, "payout": 0.0}
            payout_reason = ON_BENEFIT
        if premium[i] > 0:
            relief_f = {
                **relief_f,
                "benefit_contribution_minor": int(premium[i]),
                "benefit_levels": benefits.premium_levels[i] if benefits else {},
            }
        if waived[i]:
            relief_f = {**relief_f, "waived_minor": int(contribution[i])}
            relief_reason, schedule = ON_BENEFIT, []
        rows.append(
            {
                "membership_id": members.membership_ids[i],
                "worker_id": members.worker_ids[i],
                "ordinal": i,
                "language": members.languages[i],
                "income_reported": bool(reported[i]),
                "income_minor": int(income.period_minor[i]),
                "history_months": int(lengths[i]) if has_income[i] else 0,
                "months_of_membership": int(tenure[i]),
                "payout_months_used": int(used[i]),
                "baseline_minor": int(baseline_next[i]),
                "decision_baseline_minor": math.floor(decision_baseline[i] * scale),
                "savings_target_minor": int(target[i]),
                "savings_level": float(forecast.savings_level),
                "savings_horizon_months": int(forecast.savings_months),
                "set_aside_minor": int(set_aside[i]),
                "forecast": [
                    {
                        "month": forecast.months[t],
                        **{f"p{round(lv * 100):02d}": int(q[i, t, ix]) for lv, ix in _P.items()},
                    }
                    for t in range(PLAN_MONTHS)
                ],
                "low_month_ahead": bool(low_ahead[i]),
                "contribution_minor": int(contribution[i]),
                "contribution_rate_bp": int(stored.contribution_rate_bp),
                "paid_now_minor": int(paid_now[i]),
                "forgiven_minor": int(forgiven[i]),
                "deferred_minor": int(deferred[i]),
                "catchup_schedule_minor": schedule,
                "relief_reason": relief_reason,
                "relief_factors": relief_f,
                "catchup_due_minor": int(carried.catchup_due_minor[i]),
                "catchup_sources": carried.catchup_sources[i],
                "payout_due_minor": int(due[i]),
                "payout_reason": payout_reason,
                "payout_factors": payout_f,
                "benefit_due_minor": int(benefit_due[i]),
                "benefit_factors": benefits.factors[i] if benefits else None,
            }
        )
    priced = np.flatnonzero(has_income)
    return MonthPlan(
        rows=rows,
        forecast=forecast,
        priced=priced,
        tenure_next=(tenure + 1)[priced],
        payout_months_used=used[priced],
        planned_collected_minor=collected,
        planned_payouts_minor=paid_out,
        benefit_load=_benefit_load(benefits, currency),
    )


def _benefit_load(benefits: BenefitInputs | None, currency: str) -> BenefitLoad:
    if benefits is None or not (benefits.level_minor > 0).any():
        return BenefitLoad()
    scale = 10.0 ** -minor_digits(currency)
    return benefit_load(
        benefits.level_minor.astype(np.float64) * scale,
        benefits.premium_minor.astype(np.float64) * scale,
        benefits.share_on_benefit,
        benefits.waive_rule,
    )


def rate_bp(rate: float) -> int:
    return round(rate * BP)
