"""Calibration on generated held-out months, with real nutpie fits of two populations of
each generator (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from actuarial.backtest import coverage
from actuarial.model import Forecast, IncomeHistory, IncomeModel
from actuarial.synthetic import SyntheticPopulation

CUT, HORIZON = 30, 6


def _held_out(
    model: IncomeModel, pop: SyntheticPopulation
) -> tuple[Forecast, np.ndarray, np.ndarray]:
    history = IncomeHistory.from_population(pop.truncate(CUT))
    actual = pop.totals()[pop.first_month < CUT, CUT : CUT + HORIZON]
    fc = model.predict(history, horizon=HORIZON, seed=7, realized=actual)
    lengths = np.repeat(history.history_lengths()[:, None], HORIZON, axis=1)
    return fc, actual, lengths


Fits = list[tuple[IncomeModel, SyntheticPopulation]]


@pytest.fixture(scope="module")
def held_out(real_fits: Fits) -> tuple[Forecast, np.ndarray, np.ndarray]:
    return _held_out(*real_fits[0])


@pytest.fixture(scope="module")
def pooled_pit(
    held_out: tuple[Forecast, np.ndarray, np.ndarray], real_fits: Fits
) -> tuple[np.ndarray, np.ndarray]:
    """PITs and history lengths of held-out months in two independent populations.

    Every worker on a platform shares its shock, so one population's six held-out months
    are one draw of a handful of platform shocks: that draw alone moves a band's coverage
    by a few points (a run of good months on two platforms read as 77% at 80% in one
    generated population, 80.6% in another). Pooling two populations, as the backtest
    does, halves that variance so that a 3-point tolerance tests the model, not the draw.
    """
    fc2, _, lengths2 = _held_out(*real_fits[1])
    fc, _, lengths = held_out
    assert fc.pit is not None and fc2.pit is not None
    return np.concatenate([fc.pit.ravel(), fc2.pit.ravel()]), np.concatenate(
        [lengths.ravel(), lengths2.ravel()]
    )


# Each short-history band on its own: new workers are where pooling, the prior and the
# "next platform" cells decide the width, and a pooled "short" band can hide a too-wide
# 1-3 band behind a too-narrow 4-12 one.
BANDS = {"1-3": (1, 3), "4-12": (4, 12), "24+": (24, 10_000)}


# Known gaps: none. The regime-switching generator's intervals were too narrow (75.3 / 76.5 /
# 76.6% at 80% for histories of 1-3 / 4-12 / 24+ months, 86.5% at 90% for 1-3) until each
# fit measured the spread of its deviations on its own last months (`model.spread`).
KNOWN_GAPS: set[tuple[str, float, str]] = set()


@pytest.mark.slow
@pytest.mark.parametrize("band", list(BANDS))
@pytest.mark.parametrize("level", [0.8, 0.9])
def test_central_intervals_cover_within_three_points(
    pooled_pit: tuple[np.ndarray, np.ndarray],
    band: str,
    level: float,
    request: pytest.FixtureRequest,
) -> None:
    if (request.node.callspec.params["real_fits"], level, band) in KNOWN_GAPS:
        request.applymarker(pytest.mark.xfail(reason="known gap, see KNOWN_GAPS", strict=False))
    pit, lengths = pooled_pit
    lo, hi = BANDS[band]
    sel = (lengths >= lo) & (lengths <= hi)
    assert sel.sum() > 1000  # enough outcomes for a 3-point tolerance
    got = coverage(pit[sel], level)
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
    held_out: tuple[Forecast, np.ndarray, np.ndarray], real_fits: Fits
) -> None:
    from actuarial.backtest import naive_quantiles, pinball

    fc, actual, _ = held_out
    own, pooled = naive_quantiles(IncomeHistory.from_population(real_fits[0][1].truncate(CUT)))
    model = pinball(fc.quantiles, actual).mean()
    own_score = pinball(np.repeat(own[:, None, :], HORIZON, axis=1), actual).mean()
    pooled_score = pinball(np.broadcast_to(pooled, (*actual.shape, 7)), actual).mean()
    assert model < 0.95 * own_score
    assert model < 0.6 * pooled_score
