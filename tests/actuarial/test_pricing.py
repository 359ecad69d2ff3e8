"""Pricing the pool: the rate it solves is the rate a co-op can rely on."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from actuarial.payouts import PoolRules
from actuarial.pricing import (
    PricingOutcome,
    bench_pricing,
    evaluate_rate,
    price_pool,
    synthetic_member_risk,
)
from actuarial.risk import CommonShock
from actuarial.ruin_mc import simulate_pool

N = 3_000
SCENARIOS = 20_000
RESERVE = 300.0 * N


@pytest.fixture(scope="module")
def priced() -> tuple[float, float]:
    risk = synthetic_member_risk(N, seed=4)
    result = price_pool(risk, PoolRules(), RESERVE, n_scenarios=SCENARIOS)
    assert result.outcome == PricingOutcome.TARGET_MET
    return result.rate, result.report.ruin_probability


def test_solved_rate_meets_the_target_and_a_lower_one_does_not(
    priced: tuple[float, float],
) -> None:
    rate, ruin = priced
    rules = PoolRules()
    risk = synthetic_member_risk(N, seed=4)
    assert 0.0 < rate < 0.5
    assert ruin <= rules.target_ruin_probability
    lower = evaluate_rate(risk, rules, RESERVE, 0.85 * rate, n_scenarios=SCENARIOS)
    higher = evaluate_rate(risk, rules, RESERVE, 1.15 * rate, n_scenarios=SCENARIOS)
    assert lower.ruin_probability > rules.target_ruin_probability
    assert higher.ruin_probability < ruin
    assert higher.ruin_probability < lower.ruin_probability


def test_common_shocks_raise_the_rate(priced: tuple[float, float]) -> None:
    rate, _ = priced
    calm = synthetic_member_risk(N, seed=4, shock=CommonShock(sigma=0.0, rho=0.0))
    calm_rate = price_pool(calm, PoolRules(), RESERVE, n_scenarios=SCENARIOS).rate
    assert calm_rate < 0.9 * rate


def test_a_larger_reserve_needs_a_lower_rate(priced: tuple[float, float]) -> None:
    rate, _ = priced
    risk = synthetic_member_risk(N, seed=4)
    rich = price_pool(risk, PoolRules(), 3 * RESERVE, n_scenarios=SCENARIOS)
    assert rich.rate < rate


def test_factors_explain_the_rate() -> None:
    risk = synthetic_member_risk(1_000, seed=2)
    result = price_pool(risk, PoolRules(), 300.0 * 1_000, n_scenarios=10_000)
    f = result.factors
    assert f["contributions_over_payouts"] > 1.0  # the loading that buys solvency
    assert f["expected_payout_per_member_month"] > 0.0
    assert 0.0 <= f["systemic_share_of_variance"] <= 1.0
    assert result.report.reserve_quantiles.shape == (5, 12)
    assert np.all(np.diff(result.report.reserve_quantiles, axis=0) >= 0.0)
    fan = result.report.as_dict()["reserve_quantiles"]
    assert isinstance(fan, dict)
    assert set(fan) == {"p05", "p25", "p50", "p75", "p95"}


def test_brute_force_confirms_the_solved_rate() -> None:
    # A small pool and a 5% target, so that brute force can check the answer.
    n = 150
    risk = synthetic_member_risk(n, seed=9, shock=CommonShock(sigma=0.12, rho=0.75))
    rules = PoolRules(target_ruin_probability=0.05, max_contribution=400.0)
    tenure = np.full(n, 12, dtype=np.int64)
    reserve = 200.0 * n
    result = price_pool(risk, rules, reserve, months_of_membership=tenure, n_scenarios=20_000)
    assert result.outcome == PricingOutcome.TARGET_MET
    at = simulate_pool(
        risk, rules, result.rate, reserve, months_of_membership=tenure, n_scenarios=3_000
    )
    below = simulate_pool(
        risk, rules, 0.8 * result.rate, reserve, months_of_membership=tenure, n_scenarios=3_000
    )
    assert at.ruin_probability <= 0.05 + 3 * at.standard_error + 0.01
    assert below.ruin_probability > 0.05


def test_unreachable_target_and_a_reserve_that_needs_no_rate() -> None:
    risk = synthetic_member_risk(500, seed=1)
    capped = replace(PoolRules(), max_contribution=10.0)
    hopeless = price_pool(risk, capped, 0.0, n_scenarios=5_000)
    assert hopeless.outcome == PricingOutcome.INFEASIBLE
    assert not hopeless.feasible
    flush = price_pool(risk, PoolRules(), 1e9, n_scenarios=5_000)
    assert flush.outcome == PricingOutcome.MINIMUM_SUFFICES
    assert flush.rate == 0.0


def test_bench_reports_time_and_memory() -> None:
    figures = bench_pricing(2_000, 5_000)
    assert figures["seconds"] > 0.0
    assert figures["peak_traced_mib"] > 0.0
    assert 0.0 < figures["rate"] <= 0.5
    assert figures["ruin_probability"] <= 0.005
