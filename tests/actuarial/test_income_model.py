"""The income model's plumbing on mocked sampling: forecasts, persistence, versions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from actuarial.model import (
    QUANTILES,
    IncomeHistory,
    IncomeModel,
    ModelConfig,
    ModelVersionError,
    to_member_risk,
)
from actuarial.model import builder as builder_module
from actuarial.risk import MemberRisk


def test_forecast_covers_every_worker_with_ordered_quantiles(
    mocked_model: IncomeModel, small_history: IncomeHistory
) -> None:
    fc = mocked_model.predict(small_history, horizon=6, seed=1)
    assert fc.worker_ids == small_history.worker_ids
    assert fc.months == ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06")
    assert fc.quantiles.shape == (small_history.n_workers, 6, len(QUANTILES))
    assert np.all(np.diff(fc.quantiles, axis=2) >= 0)
    assert np.all(fc.quantiles >= 0) and np.all(np.isfinite(fc.quantiles))
    assert np.all((fc.p_active >= 0) & (fc.p_active <= 1))
    # A platform a worker never used has no activity forecast.
    never = ~(small_history.amounts > 0).any(axis=2)
    assert np.all(fc.p_active[never] == 0)
    assert np.mean(fc.baseline > 0) > 0.9 and np.all(fc.savings_target >= 0)


def test_same_seed_same_forecast(mocked_model: IncomeModel, small_history: IncomeHistory) -> None:
    a = mocked_model.predict(small_history, horizon=3, seed=4)
    c = mocked_model.predict(small_history, horizon=3, seed=4)
    np.testing.assert_array_equal(a.quantiles, c.quantiles)
    np.testing.assert_array_equal(a.savings_target, c.savings_target)
    # Other chunking and threads draw other paths, but tell the same story.
    b = mocked_model.predict(small_history, horizon=3, seed=4, threads=1, chunk_workers=50)
    assert np.median(b.baseline) == pytest.approx(np.median(a.baseline), rel=0.05)


def test_save_and_load_reproduce_the_forecast(
    mocked_model: IncomeModel, small_history: IncomeHistory, tmp_path: Path
) -> None:
    path = tmp_path / "fit.npz"
    mocked_model.save(path)
    loaded = IncomeModel.load(path)
    assert loaded.model_id == mocked_model.model_id
    a = mocked_model.predict(small_history, horizon=2, seed=9)
    b = loaded.predict(small_history, horizon=2, seed=9)
    np.testing.assert_array_equal(a.quantiles, b.quantiles)
    assert b.model_id == mocked_model.model_id


def test_loading_a_fit_from_another_version_raises(
    mocked_model: IncomeModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fit.npz"
    mocked_model.save(path)
    monkeypatch.setattr(builder_module, "MODEL_VERSION", "999.0.0")
    with pytest.raises(ModelVersionError):
        IncomeModel.load(path)


def test_model_id_follows_config_and_version(monkeypatch: pytest.MonkeyPatch) -> None:
    base = ModelConfig()
    assert base.model_id() == ModelConfig().model_id()
    assert base.model_id() != ModelConfig(discount=0.9).model_id()
    before = base.model_id()
    monkeypatch.setattr(builder_module, "MODEL_VERSION", "999.0.0")
    assert ModelConfig().model_id() != before


def test_steadier_income_needs_a_smaller_buffer(known_model: IncomeModel) -> None:
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    rng = np.random.default_rng(0)
    rows = []
    for m in months:
        rows.append(("steady", "uber", m, 2000.0 + rng.normal(0, 20)))
        volatile = 2000.0 * np.exp(rng.normal(0, 0.6))
        rows.append(("volatile", "uber", m, float(volatile) if rng.random() > 0.25 else 0.0))
        rows.append(("richer", "uber", m, 4000.0 + rng.normal(0, 40)))
    history = IncomeHistory.from_rows(rows)
    fc = known_model.predict(history, horizon=6, seed=2)
    steady, volatile, richer = (fc.index(w) for w in ("steady", "volatile", "richer"))
    assert fc.savings_target[volatile] > 2 * fc.savings_target[steady]
    assert fc.baseline[richer] > 1.5 * fc.baseline[steady]
    # A buffer covers shortfalls over savings_months: never more than the baseline times that.
    assert np.all(fc.savings_target <= fc.baseline * fc.savings_months)


def test_member_risk_describes_each_member(
    known_model: IncomeModel, small_history: IncomeHistory
) -> None:
    fc = known_model.predict(small_history, horizon=12, seed=1)
    risk = to_member_risk(fc, rows=np.arange(50))
    assert isinstance(risk, MemberRisk)
    assert risk.n_members == 50 and risk.horizon == 12
    assert np.all(risk.log_sigma > 0) and np.all((risk.p_zero >= 0) & (risk.p_zero <= 1))
    assert 0 <= risk.shock.rho < 1 and risk.shock.sigma >= 0
    # The median of the described distribution is close to the forecast median.
    described = np.exp(risk.log_mu) * (risk.p_zero < 0.5)
    ratio = described / np.maximum(fc.median()[:50], 1.0)
    assert np.median(ratio) == pytest.approx(1.0, rel=0.15)


def test_unknown_platform_borrows_from_the_pool(mocked_model: IncomeModel) -> None:
    rows = [("a", "bolt", f"2025-{m:02d}", 1500.0) for m in range(1, 7)]
    fc = mocked_model.predict(IncomeHistory.from_rows(rows), horizon=3, seed=0)
    assert np.all(np.isfinite(fc.quantiles)) and fc.baseline[0] > 0


def test_history_rows_fill_missing_months_with_zero() -> None:
    rows = [("a", "uber", "2025-01", 100.0), ("a", "uber", "2025-03", 50.0)]
    rows += [("b", "lyft", "2025-02", 10.0), ("b", "lyft", "2025-02", 5.0)]
    h = IncomeHistory.from_rows(rows)
    assert h.months == ["2025-01", "2025-02", "2025-03"]
    assert h.amounts[0, h.platforms.index("uber")].tolist() == [100.0, 0.0, 50.0]
    assert h.amounts[1, h.platforms.index("lyft"), 1] == 15.0
    assert h.first_month.tolist() == [0, 1]
