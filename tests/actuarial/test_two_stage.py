"""The two-stage posterior agrees with a full NUTS fit of the same model on small data."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytest

from actuarial.model import IncomeHistory, IncomeModel, ModelConfig
from actuarial.model.data import cell_stats, family_index, month_index
from actuarial.model.population import build_population_model
from actuarial.synthetic import generate_population


@pytest.mark.slow
def test_two_stage_matches_full_nuts_on_small_data() -> None:
    pop = generate_population(60, 18, platforms=["uber"], seed=21)
    history = IncomeHistory.from_population(pop)
    config = ModelConfig(sample_workers=60, draws=400, tune=400, hyper_draws=40)
    model = IncomeModel(config)
    model.fit(history, seed=2)
    stats, post, _ = model.posterior(history)
    mean_2s, width_2s = post.level_interval(0.9)

    # The same model with every worker's level, noise and spell persistence sampled.
    full_stats = cell_stats(history, config.discount, model.fitted.log_center)
    moy = (month_index(history.start_month) + np.arange(history.n_months)) % 12
    full = build_population_model(full_stats, 1, family_index(history.platforms), moy, full=True)
    with full:
        idata = pm.sample(
            draws=600,
            tune=600,
            chains=2,
            nuts_sampler="nutpie",
            random_seed=3,
            progressbar=False,
            compute_convergence_checks=False,
        )
    mu = idata.posterior["cell_mu"].values.reshape(-1, stats.n_cells)
    mean_full = mu.mean(axis=0)
    width_full = np.quantile(mu, 0.95, axis=0) - np.quantile(mu, 0.05, axis=0)

    # Worker-level posterior means within 0.15 posterior sd (or 0.03 on the log
    # scale, i.e. 3% of income) for nine workers in ten, and interval widths within 20%.
    sd_full = width_full / (2 * 1.645)
    close = np.abs(mean_2s - mean_full) <= np.maximum(0.15 * sd_full, 0.03)
    assert close.mean() >= 0.9, np.abs(mean_2s - mean_full).max()
    ratio = width_2s / width_full
    assert 0.8 <= np.median(ratio) <= 1.2, np.median(ratio)
    assert np.mean((ratio > 0.7) & (ratio < 1.4)) >= 0.9
    # And the short histories really are wider than the long ones in both fits.
    short = history.history_lengths()[stats.worker] <= 3
    long_ = history.history_lengths()[stats.worker] >= 12
    assert width_2s[short].mean() > 1.5 * width_2s[long_].mean()
    assert width_full[short].mean() > 1.5 * width_full[long_].mean()
