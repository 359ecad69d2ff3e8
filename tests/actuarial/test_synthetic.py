"""The generated data must look like the published figures it claims to match."""

from __future__ import annotations

import numpy as np
import pytest

from actuarial.platforms import PLATFORMS
from actuarial.synthetic import (
    SyntheticPopulation,
    generate_population,
    monthly_change_share,
    within_year_cv,
)


@pytest.fixture(scope="module")
def population() -> SyntheticPopulation:
    return generate_population(20_000, 36, seed=0)


def test_matches_jpmorgan_chase_institute_volatility(population: SyntheticPopulation) -> None:
    share = monthly_change_share(population.totals(), population.first_month)
    assert 0.36 <= share <= 0.46, share


def test_matches_us_financial_diaries_cv(population: SyntheticPopulation) -> None:
    cv = within_year_cv(population.totals(), population.first_month)
    assert 0.34 <= cv <= 0.44, cv


def test_is_deterministic_per_seed() -> None:
    a = generate_population(200, 12, platforms=3, seed=7)
    b = generate_population(200, 12, platforms=3, seed=7)
    c = generate_population(200, 12, platforms=3, seed=8)
    np.testing.assert_array_equal(a.amounts, b.amounts)
    assert not np.array_equal(a.amounts, c.amounts)


def test_histories_start_with_income_and_are_empty_before(population: SyntheticPopulation) -> None:
    totals = population.totals()
    rows = np.arange(population.n_workers)
    assert np.all(totals[rows, population.first_month] > 0)
    before = np.arange(population.n_months)[None, :] < population.first_month[:, None]
    assert np.all(totals[before] == 0)
    assert population.platforms == PLATFORMS


def test_many_short_histories(population: SyntheticPopulation) -> None:
    lengths = population.history_lengths()
    assert np.mean(lengths <= 6) > 0.2
    assert np.mean(lengths == population.n_months) > 0.25


def test_activity_comes_in_spells_not_independent_months(population: SyntheticPopulation) -> None:
    active = population.amounts > 0
    ever = active.any(axis=2)
    prev, cur = active[:, :, :-1], active[:, :, 1:]
    inside = (np.arange(1, population.n_months)[None, :] > population.first_month[:, None])[
        :, None, :
    ] & ever[:, :, None]
    stay = (prev & cur & inside).sum() / (prev & inside).sum()
    enter = (~prev & cur & inside).sum() / (~prev & inside).sum()
    assert stay > 0.85
    assert enter < 0.5


def test_platform_downturns_move_everyone_on_the_platform() -> None:
    pop = generate_population(5_000, 36, platforms=["uber"], seed=3)
    active = pop.amounts[:, 0, :] > 0
    log_amount = np.where(active, np.log(np.where(active, pop.amounts[:, 0, :], 1.0)), np.nan)
    # The cross-worker mean of log income follows the platform shock month by month.
    monthly = np.nanmean(log_amount - np.nanmean(log_amount, axis=1, keepdims=True), axis=0)
    corr = np.corrcoef(monthly[6:], pop.shocks[0, 6:])[0, 1]
    assert corr > 0.7


def test_truncate_keeps_only_what_was_known() -> None:
    pop = generate_population(500, 24, platforms=2, seed=1)
    early = pop.truncate(12)
    assert early.n_months == 12
    assert np.all(early.first_month < 12)
    assert early.n_workers == int(np.sum(pop.first_month < 12))
    rows = list(early.rows())
    assert all(month <= "2024-12" and amount > 0 for _, _, month, amount in rows)
