"""The second generator does what its docstring says, on assumptions of its own."""

from __future__ import annotations

import numpy as np
import pytest

from actuarial.synthetic import SyntheticPopulation
from actuarial.synthetic_regimes import generate_regime_population


@pytest.fixture(scope="module")
def population() -> SyntheticPopulation:
    return generate_regime_population(3000, 36, platforms=10, seed=3)


def test_is_deterministic_and_shaped_like_the_project_generator() -> None:
    a = generate_regime_population(50, 12, platforms=3, seed=1)
    b = generate_regime_population(50, 12, platforms=3, seed=1)
    np.testing.assert_array_equal(a.amounts, b.amounts)
    assert a.amounts.shape == (50, 3, 12) and a.shocks.shape == (3, 12)
    assert a.platforms == ("uber", "doordash", "upwork")


def test_every_history_starts_with_income_and_nothing_before_it(
    population: SyntheticPopulation,
) -> None:
    rows = np.arange(population.n_workers)
    assert np.all(population.amounts[rows, :, population.first_month].sum(axis=1) > 0)
    before = np.arange(36)[None, :] < population.first_month[:, None]
    assert np.all(population.totals()[before] == 0)
    assert np.all(population.amounts >= 0)


def test_workers_leave_platforms_for_good(population: SyntheticPopulation) -> None:
    active = population.amounts > 0
    # Cells with income early on and none at all in the last year: exits.
    early = active[:, :, :12].any(axis=2) & (population.first_month[:, None] == 0)
    gone = early & ~active[:, :, 24:].any(axis=2)
    assert 0.1 < gone.sum() / early.sum() < 0.6


def test_a_few_very_high_earners(population: SyntheticPopulation) -> None:
    typical = np.median(population.totals()[:, -12:].mean(axis=1))
    high = population.totals()[:, -12:].mean(axis=1) > 5 * typical
    assert 0.01 < high.mean() < 0.09  # the 3% drawn as such, and the lognormal tail


def test_months_with_five_paydays_pay_more(population: SyntheticPopulation) -> None:
    # 2024-01 has five Mondays to Sundays for some paydays: month totals swing with the
    # calendar alone, which a monthly generator never does.
    totals = population.totals()[population.first_month == 0].sum(axis=0)
    ratio = totals[1:] / totals[:-1]
    assert np.abs(np.log(ratio)).max() > 0.12
