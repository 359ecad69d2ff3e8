"""The LightGBM peer forecasts from the history alone, with ordered quantiles."""

from __future__ import annotations

import numpy as np
import pytest

from actuarial.model import QUANTILES, IncomeHistory
from actuarial.peer import features, training_rows
from actuarial.synthetic import generate_population


def test_features_never_look_past_the_origin() -> None:
    pop = generate_population(60, 18, platforms=2, seed=1)
    history = IncomeHistory.from_population(pop)
    a = features(history, 12, 1)
    changed = history.amounts.copy()
    changed[:, :, 12:] *= 7.0
    b = features(IncomeHistory.from_population(pop.__class__(
        amounts=changed, first_month=pop.first_month, platforms=pop.platforms,
        start_month=pop.start_month, worker_ids=pop.worker_ids, shocks=pop.shocks,
    )), 12, 1)  # fmt: skip
    np.testing.assert_array_equal(np.nan_to_num(a), np.nan_to_num(b))
    x, y = training_rows(history, 3)
    assert x.shape[0] == y.shape[0] and x.shape[1] == a.shape[1]


def test_lightgbm_quantiles_are_ordered_and_finite() -> None:
    pytest.importorskip("lightgbm")
    from actuarial.peer import lightgbm_quantiles

    history = IncomeHistory.from_population(generate_population(150, 15, platforms=2, seed=2))
    q = lightgbm_quantiles(history, 2)
    assert q.shape == (150, 2, len(QUANTILES))
    assert np.all(np.isfinite(q)) and np.all(np.diff(q, axis=2) >= 0) and np.all(q >= 0)
