"""The solvency step: the pool's 12-month outlook at the rate in force, and the solved rate.

The run never changes a pool's rate: a solved rate far enough from the current one (the
setting, 10% relative by default) is stored as a recommendation for the administrators,
who answer to the members for it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from actuarial.model import to_member_risk
from actuarial.pricing import evaluate_rate, price_pool
from core.money import from_floats, minor_digits
from pools.models import Pool
from pools.rules import BP, StoredRules, engine_rules
from runs.config import RunConfig
from runs.planning import MonthPlan


def _solve(plan: MonthPlan, pool: Pool, reserve_minor: int, config: RunConfig) -> dict[str, Any]:
    stored = StoredRules.of(pool)
    rules = engine_rules(stored, pool.currency)
    currency = pool.currency
    reserve = reserve_minor * 10.0 ** -minor_digits(currency)
    current_rate = stored.contribution_rate_bp / BP
    months = list(plan.forecast.months)
    if plan.priced.size == 0:
        zeros = [0] * len(months)
        return {
            "n_members": 0,
            "reserve_minor": reserve_minor,
            "current_rate_bp": stored.contribution_rate_bp,
            "ruin_probability": 0.0,
            "ruin_standard_error": 0.0,
            "target_ruin_probability": rules.target_ruin_probability,
            "solved_rate_bp": stored.contribution_rate_bp,
            "pricing_outcome": "no_members_to_price",
            "recommend_rate_change": False,
            "expected_contributions_minor": zeros,
            "expected_payouts_minor": zeros,
            "fan": {"months": months, **{k: [reserve_minor] * len(months) for k in _FAN}},
            "factors": {},
        }
    risk = to_member_risk(plan.forecast, plan.priced)
    kwargs: dict[str, Any] = {
        "months_of_membership": plan.tenure_next,
        "payout_months_used": plan.payout_months_used,
        "n_scenarios": config.pricing_scenarios,
    }
    now = evaluate_rate(risk, rules, reserve, current_rate, **kwargs)
    solved = price_pool(risk, rules, reserve, **kwargs)
    share = abs(solved.rate - current_rate) / max(current_rate, 1e-9)
    fan = {
        f"p{round(100 * level):02d}": [int(v) for v in from_floats(row, currency)]
        for level, row in zip(now.fan_levels, now.reserve_quantiles, strict=True)
    }
    return {
        "n_members": int(plan.priced.size),
        "reserve_minor": reserve_minor,
        "current_rate_bp": stored.contribution_rate_bp,
        "ruin_probability": float(now.ruin_probability),
        "ruin_standard_error": float(now.standard_error),
        "target_ruin_probability": rules.target_ruin_probability,
        "solved_rate_bp": round(solved.rate * BP),
        "pricing_outcome": solved.outcome,
        "recommend_rate_change": bool(share > config.rate_recommendation_share),
        "expected_contributions_minor": [
            int(v) for v in from_floats(now.expected_contributions, currency)
        ],
        "expected_payouts_minor": [int(v) for v in from_floats(now.expected_payouts, currency)],
        "fan": {"months": months, **fan},
        "factors": {k: float(v) for k, v in solved.factors.items()},
    }


_FAN = ("p05", "p25", "p50", "p75", "p95")


async def assess(
    plan: MonthPlan, pool: Pool, reserve_minor: int, config: RunConfig
) -> dict[str, Any]:
    """Pool health for the period, priced off the event loop (seconds at 100,000 members)."""
    return await asyncio.to_thread(_solve, plan, pool, reserve_minor, config)
