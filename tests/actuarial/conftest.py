"""Shared fixtures for the income model: generated data and fits (mocked or real)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pymc as pm
import pytest
from pymc.testing import mock_sample

from actuarial.model import IncomeHistory, IncomeModel, ModelConfig, sampling
from actuarial.model.builder import MODEL_VERSION, FitState
from actuarial.model.data import month_index
from actuarial.model.population import Hyper
from actuarial.platforms import FAMILIES
from actuarial.synthetic import SyntheticPopulation, generate_population
from actuarial.synthetic_regimes import generate_regime_population


@pytest.fixture(scope="session")
def small_population() -> SyntheticPopulation:
    return generate_population(400, 24, platforms=3, seed=11)


@pytest.fixture(scope="session")
def small_history(small_population: SyntheticPopulation) -> IncomeHistory:
    return IncomeHistory.from_population(small_population)


def mock_nuts(model: pm.Model, **kwargs: Any) -> tuple[Any, dict[str, float]]:
    """Stand-in for `sampling.nuts`: prior draws (`pymc.testing.mock_sample`) instead of NUTS,
    with the diagnostics of a sound fit (prior draws are not a chain whose R-hat means
    anything; tests that want a failing fit change them)."""
    with model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The effect of Potentials", UserWarning)
        trace = mock_sample(
            draws=kwargs["draws"],
            chains=kwargs["chains"],
            sample_stats={
                "diverging": lambda size: np.zeros(size, dtype=bool),
                "maxdepth_reached": lambda size: np.zeros(size, dtype=bool),
                "n_steps": lambda size: np.full(size, 7),
                "step_size": lambda size: np.full(size, 0.3),
            },
        )
    sound = {"compile_seconds": 0.0, "sampling_seconds": 0.0, "cores": 1.0, "r_hat_max": 1.0}
    sound |= {"ess_bulk_min": 400.0, "ess_tail_min": 400.0}
    return trace, {**sampling.trace_diagnostics(trace), **sound}


@pytest.fixture(scope="session")
def mocked_model(small_history: IncomeHistory) -> Iterator[IncomeModel]:
    """A model "fitted" with prior draws instead of NUTS: fast, for shapes and plumbing."""
    model = IncomeModel(ModelConfig(sample_workers=200, draws=20, hyper_draws=4))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sampling, "nuts", mock_nuts)
        model.fit(small_history, seed=3)
    yield model


def _real_fit(pop: SyntheticPopulation) -> IncomeModel:
    history = IncomeHistory.from_population(pop.truncate(30))
    model = IncomeModel(ModelConfig(sample_workers=1500, draws=200, tune=250))
    model.fit(history, seed=1)
    return model


GENERATORS = {"project": generate_population, "regimes": generate_regime_population}


@pytest.fixture(scope="session", params=list(GENERATORS))
def real_fits(request: pytest.FixtureRequest) -> list[tuple[IncomeModel, SyntheticPopulation]]:
    """Two independent populations (other platform shocks) of one generator, each with its
    own real nutpie fit on the first 30 of 36 months: the slow calibration tests run on
    both generators, the project's and the regime-switching one built on other
    assumptions, so that neither the model nor its tests are tuned to one."""
    make = GENERATORS[request.param]
    out = []
    for seed in (5, 6):
        pop = make(6000, 36, platforms=8, seed=seed)
        out.append((_real_fit(pop), pop))
    return out


@pytest.fixture(scope="session")
def known_model() -> IncomeModel:
    """A model with hand-set, plausible population parameters: fast and interpretable."""
    k, p, t = 4, 3, 12
    ones = np.ones((k, p))
    noise = 0.25
    hyper = Hyper(
        m=0.0 * ones,
        kappa0=0.3 * ones,
        alpha0=3.0 * ones,
        beta0=2.0 * noise**2 * ones,
        stay_a=19.0 * ones,
        stay_b=1.0 * ones,
        enter_a=1.5 * ones,
        enter_b=3.5 * ones,
        season=np.zeros((k, len(FAMILIES), 12)),
        shock=np.zeros((k, p, t)),
        rho=np.full(k, 0.7),
        shock_sigma=np.full(k, 0.05),
    )
    config = ModelConfig(hyper_draws=k)
    model = IncomeModel(config)
    model.state = FitState(
        model_id=config.model_id(),
        version=MODEL_VERSION,
        config=config,
        platforms=("uber", "doordash", "upwork"),
        start=month_index("2025-01"),
        log_center=float(np.log(1500.0)),
        log_max=float(np.log(20.0)),
        nu=8.0,
        spread=1.0,
        n_sample=0,
        hyper=hyper,
    )
    return model
