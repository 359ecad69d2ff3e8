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

from actuarial.model import IncomeModel, ModelConfig, ModelVersionError
from core.clock import utcnow
from runs.fits import PRIOR_FIT, latest_fit
from runs.models import ModelFit, MonthlyRun
from runs.runner import MonthlyRunner
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
    own = dataclasses.replace(
        FAST, model=SMALL, pool_fit_min_members=5, max_r_hat=5.0, max_divergence_share=1.0
    )
    first = await MonthlyRunner(demo.sessions, own).run(demo.pool_id, demo.period.shift(-2))
    assert first.run.report["fit_scope"] == "pool"
    assert "refitted the pool population" in first.run.report["model"]
    async with demo.sessions() as session:
        fit = await latest_fit(session, "pool", str(demo.pool_id), SMALL.model_id())
        assert fit is not None and fit.status == "ok" and fit.params
        assert fit.window_end == str(demo.period.shift(-2)) and fit.seconds > 0
        assert "divergences" in fit.diagnostics

    second = await MonthlyRunner(demo.sessions, own).run(demo.pool_id, demo.period.shift(-1))
    assert second.run.fit_id == first.run.fit_id
    assert "reused the pool fit" in second.run.report["model"]

    # Due for a refit, whose diagnostics fail: the month goes on with the previous fit.
    strict = dataclasses.replace(own, model_max_age_months=0, max_r_hat=0.5)
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
