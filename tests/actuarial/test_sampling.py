"""The population stage's sampler: its diagnostics, their thresholds, its threads and its
time budget."""

from __future__ import annotations

import os

import numpy as np
import pymc as pm
import pytest

from actuarial.model import sampling
from actuarial.model.sampling import THRESHOLDS, Thresholds, describe, problems

SOUND = {
    "r_hat_max": 1.01,
    "ess_bulk_min": 300.0,
    "ess_tail_min": 250.0,
    "divergences": 0.0,
    "draws": 500.0,
    "max_depth_share": 0.0,
    "step_size": 0.3,
    "leapfrog_per_draw": 7.0,
    "compile_seconds": 10.0,
    "sampling_seconds": 12.0,
    "sampling_cpu_seconds": 23.0,
    "cores": 2.0,
}


def test_a_sound_fit_has_no_problems_and_says_ok() -> None:
    assert problems(SOUND) == []
    text = describe(SOUND)
    assert "diagnostics: ok" in text and "leapfrog steps per draw 7.0" in text


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"r_hat_max": 1.2}, "R-hat 1.200 above 1.05"),
        ({"r_hat_max": float("nan")}, "R-hat nan"),
        ({"ess_bulk_min": 20.0}, "bulk ESS 20 below 50"),
        ({"ess_tail_min": 30.0}, "tail ESS 30 below 50"),
        ({"divergences": 10.0}, "10 divergent draws of 500"),
        ({"max_depth_share": 0.08}, "8.0% of draws at the maximum tree depth"),
        ({"budget_exceeded": 1.0, "fallback": 1.0, "budget_seconds": 60.0}, "partial draws"),
        ({"budget_exceeded": 1.0, "fallback": 2.0, "budget_seconds": 60.0}, "(ADVI)"),
    ],
)
def test_each_threshold_fails_a_fit_in_words(change: dict[str, float], says: str) -> None:
    found = problems({**SOUND, **change})
    assert len(found) == 1 and says in found[0], found
    assert "FAILED" in describe({**SOUND, **change})


def test_thresholds_can_be_loosened_for_small_fits() -> None:
    weak = {**SOUND, "ess_bulk_min": 20.0, "r_hat_max": 1.2}
    assert problems(weak, Thresholds(r_hat_max=1.5, ess_bulk_min=10.0)) == []
    assert THRESHOLDS.r_hat_max == 1.05


def test_threads_follow_the_cores_the_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3})
    assert sampling.available_cores() == 1


def _tiny() -> pm.Model:
    with pm.Model() as model:
        pm.Normal("x", 0.0, 1.0, shape=3)
    return model


@pytest.mark.slow
def test_a_fit_within_its_budget_reports_every_diagnostic() -> None:
    _, diag = sampling.nuts(_tiny(), draws=200, tune=200, chains=2, seed=1, cores=1)
    assert diag["cores"] == 1.0 and "budget_exceeded" not in diag
    for key in (
        "r_hat_max",
        "ess_bulk_min",
        "ess_tail_min",
        "divergences",
        "step_size",
        "max_depth_share",
        "leapfrog_per_draw",
        "compile_seconds",
        "sampling_seconds",
    ):
        assert key in diag, key
    assert problems(diag) == []


@pytest.mark.slow
def test_a_fit_past_its_budget_keeps_its_draws_so_far_and_is_marked() -> None:
    trace, diag = sampling.nuts(
        _tiny(), draws=10_000_000, tune=100, chains=2, seed=1, budget_seconds=1.0
    )
    assert diag["budget_exceeded"] == 1.0 and diag["fallback"] == 1.0
    assert trace.posterior.sizes["draw"] >= sampling.MIN_DRAWS_PER_CHAIN
    assert any("partial draws" in p for p in problems(diag))


@pytest.mark.slow
def test_a_fit_stopped_in_warm_up_falls_back_to_advi() -> None:
    trace, diag = sampling.nuts(
        _tiny(), draws=100, tune=10_000_000, chains=2, seed=1, budget_seconds=1.0
    )
    assert diag["fallback"] == 2.0
    x = np.asarray(trace.posterior["x"]).reshape(-1, 3)
    assert x.shape[0] == 200 and np.all(np.abs(x.mean(axis=0)) < 0.5)
    assert any("(ADVI)" in p for p in problems(diag))
