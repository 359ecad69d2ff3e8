"""Calibration on generated held-out months, with one real nutpie fit (shared, slow)."""

from __future__ import annotations

import numpy as np
import pytest

from actuarial.backtest import coverage
from actuarial.model import Forecast, IncomeHistory, IncomeModel
from actuarial.synthetic import SyntheticPopulation

CUT, HORIZON = 30, 6


@pytest.fixture(scope="module")
def held_out(
    real_model: IncomeModel, real_population: SyntheticPopulation
) -> tuple[Forecast, np.ndarray, np.ndarray]:
    pop = real_population
    history = IncomeHistory.from_population(pop.truncate(CUT))
    actual = pop.totals()[pop.first_month < CUT, CUT : CUT + HORIZON]
    fc = real_model.predict(history, horizon=HORIZON, seed=7, realized=actual)
    lengths = np.repeat(history.history_lengths()[:, None], HORIZON, axis=1)
    return fc, actual, lengths


@pytest.mark.slow
@pytest.mark.parametrize("band", ["short", "long"])
@pytest.mark.parametrize("level", [0.8, 0.9])
def test_central_intervals_cover_within_three_points(
    held_out: tuple[Forecast, np.ndarray, np.ndarray], band: str, level: float
) -> None:
    fc, _, lengths = held_out
    assert fc.pit is not None
    sel = lengths <= 6 if band == "short" else lengths >= 24
    assert sel.sum() > 1000  # enough outcomes for a 3-point tolerance
    got = coverage(fc.pit[sel], level)
    assert abs(got - level) <= 0.03, f"{band} {level:.0%}: covered {got:.1%}"


@pytest.mark.slow
def test_savings_target_covers_the_shortfalls_that_happened(
    held_out: tuple[Forecast, np.ndarray, np.ndarray],
) -> None:
    fc, actual, _ = held_out
    months = min(fc.savings_months, HORIZON)
    shortfall = np.maximum(fc.baseline[:, None] - actual[:, :months], 0.0).sum(axis=1)
    covered = np.mean(shortfall <= fc.savings_target)
    assert abs(covered - fc.savings_level) <= 0.04, covered
    # About half the months fall below a median baseline.
    below = np.mean(actual < fc.baseline[:, None])
    assert 0.35 <= below <= 0.65, below


@pytest.mark.slow
def test_model_beats_naive_forecasts(
    held_out: tuple[Forecast, np.ndarray, np.ndarray], real_population: SyntheticPopulation
) -> None:
    from actuarial.backtest import naive_quantiles, pinball

    fc, actual, _ = held_out
    own, pooled = naive_quantiles(IncomeHistory.from_population(real_population.truncate(CUT)))
    model = pinball(fc.quantiles, actual).mean()
    own_score = pinball(np.repeat(own[:, None, :], HORIZON, axis=1), actual).mean()
    pooled_score = pinball(np.broadcast_to(pooled, (*actual.shape, 7)), actual).mean()
    assert model < 0.95 * own_score
    assert model < 0.6 * pooled_score
