"""The solvency step: the pool's 12-month outlook at the rate in force, and the solved rate.

The run never changes a pool's rate: a solved rate far enough from the current one (the
setting, 10% relative by default) is stored as a recommendation for the administrators,
who answer to the members for it.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import numpy as np

from actuarial.benefits import BenefitLoad
from actuarial.model import to_member_risk
from actuarial.pricing import evaluate_rate, price_pool
from actuarial.risk import CommonShock, MemberRisk
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
        "benefits": plan.benefit_load,
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
        "factors": {
            **{k: float(v) for k, v in solved.factors.items()},
            **({} if plan.benefit_load.empty else plan.benefit_load.as_dict()),
        },
    }


_FAN = ("p05", "p25", "p50", "p75", "p95")


async def assess(
    plan: MonthPlan, pool: Pool, reserve_minor: int, config: RunConfig
) -> dict[str, Any]:
    """Pool health for the period, priced off the event loop (seconds at 100,000 members)."""
    return await asyncio.to_thread(_solve, plan, pool, reserve_minor, config)


def snapshot_bytes(plan: MonthPlan) -> bytes | None:
    """The pricing inputs of the month, for pricing rule changes later (None: nobody to
    price). Stored as float32: pricing's own Monte Carlo error dwarfs the rounding."""
    if plan.priced.size == 0:
        return None
    risk = to_member_risk(plan.forecast, plan.priced)
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        baseline=risk.baseline.astype(np.float32), log_mu=risk.log_mu.astype(np.float32),
        log_sigma=risk.log_sigma.astype(np.float32), p_zero=risk.p_zero.astype(np.float32),
        loading=risk.loading.astype(np.float32),
        scalars=np.array([risk.df, risk.shock.sigma, risk.shock.rho]),
        tenure=np.asarray(plan.tenure_next, dtype=np.int64),
        payout_months_used=np.asarray(plan.payout_months_used, dtype=np.int64),
        benefits=np.array([
            plan.benefit_load.claims_mean, plan.benefit_load.claims_var,
            plan.benefit_load.premiums, plan.benefit_load.share_on_benefit,
        ]),
    )  # fmt: skip
    return buffer.getvalue()


def _price_snapshot(
    data: bytes,
    stored: StoredRules,
    currency: str,
    reserve_minor: int,
    n_scenarios: int,
    benefits: BenefitLoad | None = None,
) -> dict[str, Any]:
    arrays = np.load(io.BytesIO(data))
    df, sigma, rho = (float(v) for v in arrays["scalars"])
    risk = MemberRisk(
        baseline=arrays["baseline"].astype(np.float64), log_mu=arrays["log_mu"].astype(np.float64),
        log_sigma=arrays["log_sigma"].astype(np.float64),
        p_zero=arrays["p_zero"].astype(np.float64), loading=arrays["loading"].astype(np.float64),
        df=df, shock=CommonShock(sigma=sigma, rho=rho),
    )  # fmt: skip
    rules = engine_rules(stored, currency)
    load = benefits or snapshot_benefits(data)
    report = evaluate_rate(
        risk, rules, reserve_minor * 10.0 ** -minor_digits(currency),
        stored.contribution_rate_bp / BP, months_of_membership=arrays["tenure"],
        payout_months_used=arrays["payout_months_used"], n_scenarios=n_scenarios,
        benefits=load,
    )  # fmt: skip
    return {
        "ruin_probability": float(report.ruin_probability),
        "ruin_standard_error": float(report.standard_error),
        "expected_payouts_minor": int(sum(from_floats(report.expected_payouts, currency))),
        "expected_contributions_minor": int(
            sum(from_floats(report.expected_contributions, currency))
        ),
        "members_priced": risk.n_members,
        "months": risk.horizon,
    }


async def price_snapshot(
    data: bytes,
    stored: StoredRules,
    currency: str,
    reserve_minor: int,
    n_scenarios: int = 50_000,
    benefits: BenefitLoad | None = None,
) -> dict[str, Any]:
    """The 12-month outlook of the snapshot's members under `stored` rules: ruin probability
    with its error, expected payouts and contributions over the horizon (off the loop).
    `benefits` replaces the snapshot's benefit load (benefit tiers being changed)."""
    return await asyncio.to_thread(
        _price_snapshot, data, stored, currency, reserve_minor, n_scenarios, benefits
    )


def snapshot_benefits(data: bytes) -> BenefitLoad | None:
    """The benefit load the run priced, if its pool offered benefits."""
    arrays = np.load(io.BytesIO(data))
    return BenefitLoad(*(float(v) for v in arrays["benefits"])) if "benefits" in arrays else None
