"""The spread each fit measures on its own last months (`actuarial.model.spread`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from actuarial.model import IncomeHistory, IncomeModel, ModelConfig
from actuarial.model import sampling as sampling_module
from actuarial.model.spread import LIMITS, MAX_TRIES, TARGET, calibrate
from tests.actuarial.conftest import mock_nuts


def _coverage_like(root: float) -> tuple[list[float], Callable[[float], float]]:
    """A coverage that rises with the factor, smoothly but not linearly, and equals the
    target at `root`; it records every factor it was asked about."""
    asked: list[float] = []

    def coverage_at(factor: float) -> float:
        asked.append(factor)
        return float(TARGET + 0.35 * np.tanh(1.5 * (factor - root)))

    return asked, coverage_at


@pytest.mark.parametrize("root", [1.05, 1.17, 1.45])
def test_the_factor_whose_intervals_cover_the_target_is_found_in_a_few_tries(root: float) -> None:
    asked, coverage_at = _coverage_like(root)
    factor, plain, reached = calibrate(coverage_at)
    assert abs(factor - root) < 0.02
    assert abs(reached - TARGET) <= 0.006
    assert plain == pytest.approx(TARGET + 0.35 * np.tanh(1.5 * (1.0 - root)))
    assert len(asked) <= MAX_TRIES


@pytest.mark.parametrize("root", [0.7, 0.95, 1.0])
def test_intervals_that_already_cover_the_target_are_not_narrowed(root: float) -> None:
    """The check has seen its months through the population parameters, so it is biased
    towards narrow intervals: finding them wide enough is no evidence to narrow them."""
    asked, coverage_at = _coverage_like(root)
    factor, plain, reached = calibrate(coverage_at)
    assert (factor, reached) == (1.0, plain) and asked == [1.0]


def test_a_factor_beyond_the_limits_stops_at_them() -> None:
    _, coverage_at = _coverage_like(3.0)
    factor, _, reached = calibrate(coverage_at)
    assert factor == LIMITS[1]
    assert reached < TARGET


def test_a_fit_stores_its_spread_and_forecasts_widen_with_it(
    small_history: IncomeHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The factor is measured, stored in the diagnostics and the saved fit, and used: the
    same fit forecasts wider intervals with a wider spread."""
    monkeypatch.setattr(sampling_module, "nuts", mock_nuts)
    model = IncomeModel(ModelConfig(sample_workers=200, draws=20, hyper_draws=4))
    state = model.fit(small_history, seed=3)
    assert LIMITS[0] <= state.spread <= LIMITS[1]
    assert state.diagnostics["spread"] == state.spread
    assert 0.0 < state.diagnostics["spread_coverage80_plain"] <= 1.0
    assert IncomeModel.from_bytes(model.to_bytes()).fitted.spread == state.spread

    def width(spread: float) -> float:
        model.state = replace(state, spread=spread)
        q = model.predict(small_history, horizon=3, seed=1).quantiles
        return float(np.median(q[..., 5] - q[..., 1]))

    assert width(1.4) > 1.1 * width(1.0)


def test_a_history_too_short_to_hold_months_out_keeps_the_plain_spread(
    small_history: IncomeHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sampling_module, "nuts", mock_nuts)
    short = small_history.subset(np.flatnonzero(small_history.first_month < 10)).truncated(10)
    model = IncomeModel(ModelConfig(sample_workers=200, draws=20, hyper_draws=4))
    state = model.fit(short, seed=3)
    assert state.spread == 1.0 and "spread" not in state.diagnostics
