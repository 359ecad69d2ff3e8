"""Contribution relief: a low month's contribution relieved, then caught up by rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actuarial.payouts import PoolRules
from actuarial.relief import (
    ReliefReason,
    catchup_instalment,
    catchup_schedule,
    decide_relief,
)

relief_rules = st.builds(
    PoolRules,
    relief_share=st.floats(0.0, 1.0),
    relief_waive_share=st.floats(0.0, 1.0),
    catchup_months=st.integers(1, 12),
    catchup_cap=st.floats(0.5, 500.0),
)


@settings(max_examples=300, deadline=None)
@given(rules=relief_rules, deferred=st.floats(0.0, 5_000.0))
def test_catchup_repays_exactly_the_deferral_within_the_cap(
    rules: PoolRules, deferred: float
) -> None:
    schedule = catchup_schedule(deferred, rules)
    assert sum(schedule) == pytest.approx(deferred, rel=1e-9, abs=1e-9)
    assert all(0.0 <= part <= rules.catchup_cap * (1 + 1e-12) for part in schedule)
    if deferred / rules.catchup_months <= rules.catchup_cap:
        assert len(schedule) <= rules.catchup_months
    # The vectorised form the simulations use asks for the same instalments.
    months = np.arange(0, len(schedule) + 3)
    vector = catchup_instalment(np.full(months.shape, deferred), months, rules)
    assert vector[0] == 0.0
    assert vector[1 : len(schedule) + 1] == pytest.approx(list(schedule), rel=1e-9, abs=1e-9)
    assert np.all(vector[len(schedule) + 1 :] == 0.0)


@settings(max_examples=200, deadline=None)
@given(
    rules=relief_rules,
    baseline=st.floats(0.0, 10_000.0),
    income=st.floats(0.0, 20_000.0),
)
def test_relief_parts_add_up_to_the_contribution(
    rules: PoolRules, baseline: float, income: float
) -> None:
    batch = decide_relief([baseline], [income], rules)
    f = batch.factors(0)
    assert f.paid_now + f.forgiven + f.deferred == pytest.approx(f.contribution)
    assert min(f.paid_now, f.forgiven, f.deferred) >= 0.0
    if income >= rules.relief_trigger_share * baseline:
        assert f.paid_now == f.contribution
        assert f.reason == ReliefReason.NOT_LOW_MONTH
    assert sum(f.catchup) == pytest.approx(f.deferred, rel=1e-9, abs=1e-9)


def test_low_month_is_deferred_over_three_months() -> None:
    rules = PoolRules(
        contribution_rate=0.05,
        min_contribution=5.0,
        relief_trigger_share=0.6,
        relief_share=1.0,
        relief_waive_share=0.0,
        catchup_months=3,
    )
    batch = decide_relief([2_000.0, 2_000.0], [900.0, 1_500.0], rules)
    low, normal = batch.factors(0), batch.factors(1)
    assert low.reason == "low_month"
    assert (low.contribution, low.paid_now, low.deferred) == (45.0, 0.0, 45.0)
    assert low.catchup == (15.0, 15.0, 15.0)
    assert normal.reason == "not_low_month"
    assert normal.paid_now == 75.0
    assert normal.catchup == ()


def test_cap_lengthens_the_schedule_and_waiver_is_never_asked_back() -> None:
    rules = PoolRules(catchup_months=2, catchup_cap=20.0, relief_waive_share=0.5)
    assert catchup_schedule(100.0, rules) == (20.0, 20.0, 20.0, 20.0, 20.0)
    batch = decide_relief([3_000.0], [0.0], rules, rate=0.05)
    f = batch.factors(0)
    # Income is zero: the minimum contribution is due, half forgiven, half deferred.
    assert f.contribution == rules.min_contribution
    assert f.forgiven == f.deferred == rules.min_contribution / 2
    assert sum(f.catchup) == pytest.approx(f.deferred)
