"""The smoothing payout rule: what a member in a low month is paid, and why."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from actuarial.payouts import (
    PayoutReason,
    PoolRules,
    decide_payout,
    decide_payouts,
    gross_payout,
    scale_pro_rata,
)

amounts = st.floats(min_value=0.0, max_value=50_000.0, allow_nan=False)
rules_strategy = st.builds(
    PoolRules,
    replacement_rate=st.floats(0.0, 1.0),
    deductible_share=st.floats(0.0, 0.9),
    monthly_cap=st.floats(0.0, 5_000.0),
    max_payout_months=st.integers(0, 12),
    waiting_period_months=st.integers(0, 6),
)


def member_arrays(n: int) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.float64, n, elements=amounts)


@settings(max_examples=200, deadline=None)
@given(
    rules=rules_strategy,
    baseline=member_arrays(20),
    income=member_arrays(20),
    tenure=arrays(np.int64, 20, elements=st.integers(0, 24)),
    used=arrays(np.int64, 20, elements=st.integers(0, 12)),
    reserve=st.floats(-1_000.0, 100_000.0),
)
def test_payout_bounds_and_pro_rata(
    rules: PoolRules,
    baseline: np.ndarray,
    income: np.ndarray,
    tenure: np.ndarray,
    used: np.ndarray,
    reserve: float,
) -> None:
    batch = decide_payouts(baseline, income, tenure, used, rules, available=reserve)
    assert np.all(batch.payout >= 0.0)
    assert np.all(batch.payout <= rules.monthly_cap)
    assert np.all(batch.payout <= batch.due)
    # Zero whenever income is at or above the baseline less the deductible.
    above = income >= baseline * (1.0 - rules.deductible_share)
    assert np.all(batch.payout[above] == 0.0)
    # The reserve is never overdrawn, and it is used in full when it is short.
    assert batch.total <= max(reserve, 0.0)
    if batch.due.sum() > reserve > 0.0:
        assert batch.total == pytest.approx(reserve, rel=1e-9)
        assert batch.pro_rata_factor < 1.0
    # Waiting period and maximum months are respected.
    assert np.all(batch.payout[tenure < rules.waiting_period_months] == 0.0)
    assert np.all(batch.payout[used >= rules.max_payout_months] == 0.0)


@settings(max_examples=200, deadline=None)
@given(
    rules=rules_strategy,
    baseline=amounts,
    low=amounts,
    high=amounts,
)
def test_payout_never_rises_with_income(
    rules: PoolRules, baseline: float, low: float, high: float
) -> None:
    lo, hi = sorted((low, high))
    p = gross_payout([baseline, baseline], [lo, hi], rules)
    assert p[0] >= p[1]


def test_worked_example_and_its_factors() -> None:
    rules = PoolRules(replacement_rate=0.5, deductible_share=0.1, monthly_cap=300.0)
    batch = decide_payouts(
        baseline=[2_000.0, 2_000.0, 2_000.0, 2_000.0, 2_000.0],
        income=[1_500.0, 100.0, 1_900.0, 500.0, 500.0],
        months_of_membership=[12, 12, 12, 1, 12],
        payout_months_used=[0, 0, 0, 0, 3],
        rules=rules,
    )
    # 2000 - 1500 = 500 short, 200 deductible, half of the remaining 300.
    assert batch.payout.tolist() == [150.0, 300.0, 0.0, 0.0, 0.0]
    assert batch.reasons == [
        PayoutReason.ELIGIBLE,
        PayoutReason.ELIGIBLE,
        PayoutReason.NO_SHORTFALL,
        PayoutReason.WAITING_PERIOD,
        PayoutReason.MAX_MONTHS_REACHED,
    ]
    first = batch.factors(0).as_dict()
    assert first == {
        "baseline": 2_000.0,
        "income": 1_500.0,
        "shortfall": 500.0,
        "deductible": 200.0,
        "replacement_rate": 0.5,
        "cap": 300.0,
        "cap_applied": False,
        "reason": "eligible",
        "due": 150.0,
        "pro_rata_factor": 1.0,
        "payout": 150.0,
    }
    assert batch.factors(1).cap_applied is True


def test_short_reserve_scales_everyone_alike() -> None:
    rules = PoolRules()
    batch = decide_payouts([2_000.0, 4_000.0], [0.0, 0.0], 12, 0, rules, available=600.0)
    assert batch.due.tolist() == [900.0, 1_000.0]
    assert batch.pro_rata_factor == pytest.approx(600.0 / 1_900.0)
    assert batch.payout[0] / batch.due[0] == pytest.approx(batch.payout[1] / batch.due[1])
    assert batch.total <= 600.0
    assert batch.factors(0).pro_rata_factor == batch.pro_rata_factor


def test_empty_reserve_pays_nothing() -> None:
    paid, factor = scale_pro_rata(np.array([10.0, 20.0]), -5.0)
    assert factor == 0.0
    assert paid.tolist() == [0.0, 0.0]


def test_rules_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="replacement_rate"):
        PoolRules(replacement_rate=1.5)
    with pytest.raises(ValueError, match="max_contribution"):
        PoolRules(min_contribution=50.0, max_contribution=10.0)


def test_contribution_is_bounded_share_of_income() -> None:
    rules = PoolRules(contribution_rate=0.05, min_contribution=5.0, max_contribution=200.0)
    assert rules.contribution([0.0, 1_000.0, 10_000.0]).tolist() == [5.0, 50.0, 200.0]


def test_single_member_decision_matches_the_batch() -> None:
    rules = PoolRules()
    one = decide_payout(2_000.0, 800.0, 12, 1, rules)
    assert one == decide_payouts([2_000.0], [800.0], [12], [1], rules).factors(0)
    assert one.payout == pytest.approx(0.5 * (2_000.0 - 800.0 - 200.0))
    scaled = decide_payout(2_000.0, 800.0, 12, 1, rules, pro_rata=0.25)
    assert scaled.payout == pytest.approx(one.payout * 0.25)
    assert scaled.pro_rata_factor == 0.25
    assert decide_payout(2_000.0, 800.0, 1, 0, rules).reason == "waiting_period"
