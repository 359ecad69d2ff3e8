"""The "next platform" cells of new workers: when they may start and what they may earn."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from actuarial.model import IncomeHistory, IncomeModel
from actuarial.model.data import family_index
from actuarial.model.newcomers import MAX_TENURE, adoption_rates, with_newcomer_cells


def test_adoption_is_likelier_early_and_left_censored_workers_do_not_count(
    small_history: IncomeHistory,
) -> None:
    a, b, taken_up = adoption_rates(small_history)
    rate = a / (a + b)
    assert rate[0] > rate[1] > rate[3]
    assert taken_up.shape == (len(small_history.platforms),)
    # Workers there from the window's first month have an unknown tenure: their returns to
    # a platform after an off spell must not read as new workers taking platforms up.
    joined = small_history.subset(np.flatnonzero(small_history.first_month > 0))
    np.testing.assert_array_equal(adoption_rates(joined)[0], a)


def test_next_platform_cell_follows_tenure_and_unused_platforms(
    known_model: IncomeModel, small_history: IncomeHistory
) -> None:
    stats, post, aligned = known_model.posterior(small_history)
    # Distinct platform levels, so that a cell's level tells which platform it stands for.
    aligned = replace(aligned, m=aligned.m + np.arange(aligned.m.shape[1])[None, :])
    fam = family_index(small_history.platforms)
    n_sim = 12
    new_stats, new_post, _, _, enter = with_newcomer_cells(
        small_history, stats, post, aligned, fam, n_sim
    )
    assert enter is not None and enter.shape == (new_stats.n_cells, n_sim)
    extra = new_stats.platform == len(small_history.platforms)
    assert np.all(np.isnan(enter[~extra])) and np.all(np.isfinite(enter[extra]))
    tenure = small_history.history_lengths()[new_stats.worker[extra]]
    assert np.all(tenure <= MAX_TENURE)
    # The chance of starting a platform falls as the worker's tenure grows over the horizon.
    assert np.all(np.diff(enter[extra], axis=1) <= 0)
    assert np.any(enter[extra][:, 0] > enter[extra][:, -1])
    # Each population draw's level is the prior level of one of the platforms not yet used.
    used = (small_history.amounts > 0).any(axis=2)[new_stats.worker[extra]]
    m = aligned.m  # (K, P)
    for row, mu in zip(used, new_post.mu[extra], strict=True):
        candidates = m[:, ~row]  # (K, unused)
        assert np.all(np.isclose(mu[:, None], candidates).any(axis=1))
