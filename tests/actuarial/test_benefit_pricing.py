"""Benefits in pricing: expected claims raise the ruin probability and the solved rate."""

from __future__ import annotations

import numpy as np
import pytest

from actuarial.benefits import (
    CREDIBILITY_MONTHS,
    DEFAULT_SHARE_ON_BENEFIT,
    benefit_load,
    share_on_benefit,
)
from actuarial.payouts import PoolRules
from actuarial.pricing import evaluate_rate, price_pool, synthetic_member_risk


def test_a_new_pool_is_priced_on_the_default_and_its_history_takes_over() -> None:
    assert share_on_benefit(0, 0) == DEFAULT_SHARE_ON_BENEFIT
    half = share_on_benefit(int(CREDIBILITY_MONTHS), 0)
    assert half == pytest.approx(DEFAULT_SHARE_ON_BENEFIT / 2)
    assert share_on_benefit(60_000, 3_000) == pytest.approx(0.05, rel=0.02)


def test_the_load_is_the_tiers_times_the_share_on_benefit() -> None:
    levels = np.array([1000.0, 2000.0, 0.0])
    premiums = np.array([25.0, 50.0, 0.0])
    load = benefit_load(levels, premiums, 0.1, waive=True)
    assert load.claims_mean == pytest.approx(300.0)
    assert load.claims_var == pytest.approx(0.1 * 0.9 * (1000.0**2 + 2000.0**2))
    assert load.premiums == pytest.approx(0.9 * 75.0)
    assert benefit_load(levels, premiums, 0.1, waive=False).premiums == pytest.approx(75.0)


def test_benefit_claims_raise_the_ruin_probability_and_the_rate() -> None:
    risk = synthetic_member_risk(300, seed=3)
    rules = PoolRules()
    reserve = 300.0 * risk.n_members
    n = risk.n_members
    load = benefit_load(np.full(n, 1500.0), np.full(n, 10.0), DEFAULT_SHARE_ON_BENEFIT)
    without = evaluate_rate(risk, rules, reserve, 0.03, n_scenarios=4000)
    with_benefits = evaluate_rate(risk, rules, reserve, 0.03, benefits=load, n_scenarios=4000)
    assert with_benefits.ruin_probability > without.ruin_probability
    extra = with_benefits.expected_payouts - without.expected_payouts
    assert extra == pytest.approx(np.full(extra.size, load.claims_mean), rel=1e-6)
    plain = price_pool(risk, rules, reserve, n_scenarios=4000)
    assert price_pool(risk, rules, reserve, benefits=load, n_scenarios=4000).rate > plain.rate
