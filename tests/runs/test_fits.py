"""Which population fit a run uses: the shipped prior for a small pool, a pool's own fit
once refitted, reuse while fresh, the previous fit when a refit fails, and never a fit of
another model version."""

from __future__ import annotations

import dataclasses
import io
import json

import numpy as np
import pytest
from sqlalchemy import select

from actuarial.model import IncomeModel, ModelConfig, ModelVersionError, sampling
from actuarial.model.sampling import Thresholds
from core.clock import utcnow
from runs.fits import PRIOR_FIT, latest_fit
from runs.models import ModelFit, MonthlyRun
from runs.runner import MonthlyRunner
from tests.actuarial.conftest import mock_nuts
from tests.runs.conftest import FAST, Demo

SMALL = ModelConfig(sample_workers=200, draws=60, tune=80, chains=2, hyper_draws=8)
"""A quick population fit for the refit tests; its own model id, so no shipped prior."""


def test_the_shipped_prior_fit_is_of_the_current_model() -> None:
    model = IncomeModel.from_bytes(PRIOR_FIT.read_bytes())
    assert model.model_id == ModelConfig().model_id()


def test_a_fit_made_by_another_model_version_is_refused() -> None:
    with np.load(io.BytesIO(PRIOR_FIT.read_bytes()), allow_pickle=False) as npz:
        arrays = {k: np.asarray(npz[k]) for k in npz.files}
    meta = json.loads(str(arrays["meta"]))
    meta["version"] = "0.9.0"
    arrays["meta"] = np.array(json.dumps(meta))
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    with pytest.raises(ModelVersionError):
        IncomeModel.from_bytes(buf.getvalue())


async def test_a_small_pool_uses_the_shipped_prior_and_the_report_says_so(demo: Demo) -> None:
    async with demo.sessions() as session:
        # A fit of another model id (another version or configuration) is never picked up.
        session.add(
            ModelFit(scope="installation", scope_key="USD", model_id="0ther0ther0ther0",
                     version="0.9.0", status="ok", fitted_at=utcnow(), diagnostics={},
                     params=b"not a fit")
        )  # fmt: skip
        await session.commit()
    outcome = await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    assert outcome.run.report["fit_scope"] == "shipped"
    assert any("shipped" in note for note in outcome.run.report["model"])
    assert outcome.run.model_id == ModelConfig().model_id()


@pytest.mark.slow
async def test_refit_then_reuse_then_a_failed_refit_keeps_the_previous_fit(demo: Demo) -> None:
    # A pool of 36 is far below the 200 a real own fit needs and samples poorly in 60 draws:
    # the thresholds are loosened here so that the test is about reuse and rejection.
    loose = Thresholds(r_hat_max=5.0, ess_bulk_min=1.0, ess_tail_min=1.0, divergence_share=1.0)
    own = dataclasses.replace(FAST, model=SMALL, pool_fit_min_members=5, fit_limits=loose)
    first = await MonthlyRunner(demo.sessions, own).run(demo.pool_id, demo.period.shift(-2))
    assert first.run.report["fit_scope"] == "pool"
    assert "refitted the pool population" in first.run.report["model"]
    async with demo.sessions() as session:
        fit = await latest_fit(session, "pool", str(demo.pool_id), SMALL.model_id())
        assert fit is not None and fit.status == "ok" and fit.params
        assert fit.window_end == str(demo.period.shift(-2)) and fit.seconds > 0
        for key in (
            "divergences",
            "r_hat_max",
            "ess_bulk_min",
            "ess_tail_min",
            "step_size",
            "max_depth_share",
            "leapfrog_per_draw",
            "compile_seconds",
            "sampling_seconds",
        ):
            assert key in fit.diagnostics, key

    second = await MonthlyRunner(demo.sessions, own).run(demo.pool_id, demo.period.shift(-1))
    assert second.run.fit_id == first.run.fit_id
    assert "reused the pool fit" in second.run.report["model"]

    # Due for a refit, whose diagnostics fail: the month goes on with the previous fit.
    strict = dataclasses.replace(
        own, model_max_age_months=0, fit_limits=dataclasses.replace(loose, r_hat_max=0.5)
    )
    third = await MonthlyRunner(demo.sessions, strict).run(demo.pool_id, demo.period)
    assert third.status == "succeeded"
    assert third.run.fit_id == first.run.fit_id
    notes = " ".join(third.run.report["model"])
    assert "rejected" in notes and "previous fit stays in use" in notes
    async with demo.sessions() as session:
        fits = (await session.scalars(select(ModelFit).order_by(ModelFit.fitted_at))).all()
        assert [f.status for f in fits] == ["ok", "rejected"]
        assert "R-hat" in fits[1].diagnostics["rejected"] and fits[1].params is None
        runs = (await session.scalars(select(MonthlyRun).order_by(MonthlyRun.period))).all()
        assert [r.status for r in runs] == ["succeeded"] * 3


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        ({"ess_bulk_min": 12.0}, "bulk ESS 12 below 50"),
        ({"max_depth_share": 0.2}, "20.0% of draws at the maximum tree depth"),
        ({"budget_exceeded": 1.0, "fallback": 2.0, "budget_seconds": 60.0}, "exceeded its 60 s"),
    ],
)
async def test_a_refit_that_fails_its_diagnostics_keeps_the_previous_fit(
    demo: Demo, monkeypatch: pytest.MonkeyPatch, failure: dict[str, float], says: str
) -> None:
    # Prior draws stand in for NUTS (fast); their diagnostics are then made to fail.
    monkeypatch.setattr(sampling, "nuts", mock_nuts)
    own = dataclasses.replace(FAST, model=SMALL, pool_fit_min_members=5)
    first = await MonthlyRunner(demo.sessions, own).run(demo.pool_id, demo.period.shift(-1))
    assert "refitted the pool population" in first.run.report["model"]

    def failing(model: object, **kwargs: object) -> tuple[object, dict[str, float]]:
        trace, diagnostics = mock_nuts(model, **kwargs)  # type: ignore[arg-type]
        return trace, {**diagnostics, **failure}

    monkeypatch.setattr(sampling, "nuts", failing)
    due = dataclasses.replace(own, model_max_age_months=0)
    second = await MonthlyRunner(demo.sessions, due).run(demo.pool_id, demo.period)
    assert second.status == "succeeded" and second.run.fit_id == first.run.fit_id
    notes = " ".join(second.run.report["model"])
    assert "previous fit stays in use" in notes and says in notes
    async with demo.sessions() as session:
        fits = (await session.scalars(select(ModelFit).order_by(ModelFit.fitted_at))).all()
        assert [f.status for f in fits] == ["ok", "rejected"]
        assert says in fits[1].diagnostics["rejected"] and fits[1].params is None
