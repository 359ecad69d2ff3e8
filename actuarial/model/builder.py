"""`IncomeModel`: configure, fit, predict, save and load, in the manner of a model builder.

A fit is identified by its model id, a hash of the configuration and the model's code
version, and carries both. Loading a fit made by another version of the model raises
`ModelVersionError` instead of silently mixing parameters from one model with the equations
of another: the version is bumped whenever the model's equations or the meaning of a stored
parameter change.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pymc as pm

from actuarial.model import sampling, spread, tails
from actuarial.model.conjugate import AlignedHyper, CellPosterior, align_hyper, update
from actuarial.model.data import (
    CellStats,
    FloatArray,
    IncomeHistory,
    IntArray,
    cell_stats,
    family_index,
    month_index,
    stratified_sample,
)
from actuarial.model.forecast import Forecast
from actuarial.model.newcomers import with_newcomer_cells
from actuarial.model.population import Hyper, build_population_model, hyper_from_posterior
from actuarial.model.predictive import SimulationPlan, simulate
from actuarial.model.shock import common_shock_summary

MODEL_VERSION = "1.3.0"
"""Version of the income model's equations; part of every model id."""


class ModelVersionError(RuntimeError):
    """A saved fit was made by another version of the model (or another configuration)."""


@dataclass(frozen=True)
class ModelConfig:
    """Settings of the income model. Every field is part of the model id."""

    discount: float = 0.97
    """Monthly weight decay of old months (earning levels drift; 0.97 halves weight in 23)."""
    sample_workers: int = 2000
    """Workers in the stratified sample that fits the population parameters."""
    draws: int = 400
    """Draws per chain after warm-up. Warm-up costs most of the gradients (about 20,000 of
    28,000 at 250 draws), so 400 buys the smallest ESS a margin over the 50 the diagnostics
    ask for (it fell to 46-50 on two of the benchmark's shapes at 250) for a few seconds."""
    tune: int = 300
    chains: int = 2
    hyper_draws: int = 16
    """Population draws mixed over in the per-worker update (carries their uncertainty)."""
    predictive_draws: int = 200
    """Paths per worker; 200 put the 5% and 95% quantiles within about 1.5 points."""
    baseline_months: int = 12
    savings_months: int = 6
    savings_level: float = 0.9
    max_month_factor: float = 3.0
    """No simulated month exceeds this multiple of the largest month in the fitted data."""

    def model_id(self) -> str:
        payload = json.dumps({"version": MODEL_VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FitState:
    """Everything `predict` needs from a fit; what `save` writes."""

    model_id: str
    version: str
    config: ModelConfig
    platforms: tuple[str, ...]
    start: int
    """Month index (see `month_index`) of the fit's first month."""
    log_center: float
    log_max: float
    nu: float
    """Degrees of freedom of the month-to-month deviations (see `tails`)."""
    spread: float
    """Factor on the deviations' spread, measured on the fit's own data (see `spread`)."""
    n_sample: int
    hyper: Hyper
    diagnostics: dict[str, float] = field(default_factory=dict)
    """Sampler diagnostics (see `sampling`), stored with the fit."""

    @property
    def problems(self) -> list[str]:
        """How the fit's diagnostics fail `sampling.THRESHOLDS`, in words; empty if sound."""
        return sampling.problems(self.diagnostics)


class IncomeModel:
    """The Bayesian income model of Mutua's workers (see the package docs for the model)."""

    def __init__(self, config: ModelConfig | None = None) -> None:
        self.config = config or ModelConfig()
        self.state: FitState | None = None

    @property
    def model_id(self) -> str:
        return self.config.model_id()

    @property
    def fitted(self) -> FitState:
        if self.state is None:
            raise RuntimeError("the model has not been fitted or loaded")
        return self.state

    # -- stage one ---------------------------------------------------------------------------
    def build_model(self, history: IncomeHistory) -> tuple[pm.Model, CellStats, IntArray]:
        """The stage-one PyMC model on a stratified sample of `history` (and the sample)."""
        log_center, _ = _log_scale(history)
        rows = stratified_sample(history, self.config.sample_workers, seed=0)
        sample = history.subset(rows)
        stats = cell_stats(sample, self.config.discount, log_center)
        fam = family_index(history.platforms)
        moy = _month_of_year(month_index(history.start_month), history.n_months)
        return build_population_model(stats, len(history.platforms), fam, moy), stats, rows

    def fit(
        self,
        history: IncomeHistory,
        seed: int = 0,
        progressbar: bool = False,
        budget_seconds: float = sampling.DEFAULT_BUDGET_SECONDS,
        cores: int | None = None,
    ) -> FitState:
        """Fit the population parameters by NUTS (nutpie) on a stratified sample.

        Within `budget_seconds` of wall time (compile included), on at most `cores` threads
        (default: the CPUs the process may use); see `sampling` for the fallback when the
        budget runs out and for the diagnostics stored with the fit.
        """
        cfg = self.config
        model, _, rows = self.build_model(history)
        idata, diagnostics = sampling.nuts(
            model,
            draws=cfg.draws,
            tune=cfg.tune,
            chains=cfg.chains,
            seed=seed,
            budget_seconds=budget_seconds,
            cores=cores,
            progressbar=progressbar,
        )
        hyper = hyper_from_posterior(
            idata.posterior, family_index(history.platforms), history.n_months, cfg.hyper_draws
        )
        log_center, log_max = _log_scale(history, cfg.max_month_factor)
        nu = _tail_nu(history.subset(rows), hyper, history.platforms, cfg.discount, log_center)
        self.state = FitState(
            model_id=self.model_id,
            version=MODEL_VERSION,
            config=cfg,
            platforms=history.platforms,
            start=month_index(history.start_month),
            log_center=log_center,
            log_max=log_max,
            nu=nu,
            spread=1.0,
            n_sample=int(rows.size),
            hyper=hyper,
            diagnostics=diagnostics,
        )
        measured = self._measure_spread(history.subset(rows), seed)
        if measured is not None:
            factor, plain, reached = measured
            self.state = replace(
                self.state,
                spread=factor,
                diagnostics={
                    **diagnostics,
                    "spread": factor,
                    "spread_coverage80_plain": plain,
                    "spread_coverage80": reached,
                },
            )
        return self.state

    def _measure_spread(
        self, sample: IncomeHistory, seed: int
    ) -> tuple[float, float, float] | None:
        """`spread.calibrate` on the sample's last months; None when it is too short."""
        cut = sample.n_months - spread.HOLDOUT_MONTHS
        if cut < spread.MIN_MONTHS_BEFORE:
            return None
        earned = sample.amounts[:, :, :cut].sum(axis=(1, 2)) > 0
        keep = np.flatnonzero((sample.first_month < cut) & earned)
        if keep.size == 0:
            return None
        before = sample.subset(keep).truncated(cut)
        realized = sample.amounts[keep, :, cut:].sum(axis=1)
        fitted = self.fitted

        def coverage_at(factor: float) -> float:
            self.state = replace(fitted, spread=factor)
            forecast = self.predict(
                before, horizon=spread.HOLDOUT_MONTHS, seed=seed, realized=realized
            )
            assert forecast.pit is not None
            return float(np.mean((forecast.pit > 0.1) & (forecast.pit <= 0.9)))

        try:
            return spread.calibrate(coverage_at)
        finally:
            self.state = fitted

    # -- stage two ---------------------------------------------------------------------------
    def posterior(self, history: IncomeHistory) -> tuple[CellStats, CellPosterior, AlignedHyper]:
        """Every cell's closed-form posterior under each population draw."""
        st = self.fitted
        stats = cell_stats(history, self.config.discount, st.log_center)
        aligned = align_hyper(
            st.hyper,
            st.platforms,
            st.start,
            history.platforms,
            family_index(history.platforms),
            month_index(history.start_month),
            _month_of_year(month_index(history.start_month), history.n_months),
        )
        return stats, update(stats, aligned), aligned

    def predict(
        self,
        history: IncomeHistory,
        horizon: int = 12,
        seed: int = 0,
        threads: int = 2,
        chunk_workers: int = 2048,
        realized: FloatArray | None = None,
    ) -> Forecast:
        """Forecasts, baselines and savings targets for every worker in `history`.

        `realized` (n, horizon) monthly totals, for backtests, adds each one's PIT.
        """
        if horizon < 1:
            raise ValueError("horizon must be at least 1 month")
        cfg, st = self.config, self.fitted
        has_income = (history.amounts > 0).any(axis=(1, 2))
        known = history if has_income.all() else history.subset(np.flatnonzero(has_income))
        stats, post, aligned = self.posterior(known)
        last = month_index(history.last_month)
        n_sim = max(horizon, cfg.baseline_months, cfg.savings_months)
        plan = SimulationPlan(
            horizon=horizon,
            draws=cfg.predictive_draws,
            baseline_months=cfg.baseline_months,
            savings_months=cfg.savings_months,
            savings_level=cfg.savings_level,
            log_center=st.log_center,
            log_max=st.log_max,
            nu=st.nu,
            spread=st.spread,
            seed=seed,
            chunk_workers=chunk_workers,
            threads=threads,
        )
        fam = family_index(known.platforms)
        sim_stats, sim_post, sim_hyper, sim_fam, enter_by_month = with_newcomer_cells(
            known, stats, post, aligned, fam, n_sim
        )
        moy = _month_of_year(last + 1, n_sim)
        seen = None if realized is None else realized[has_income]
        paths = simulate(
            sim_stats, sim_post, sim_hyper, sim_fam, moy, known.n_workers, plan, seen,
            enter_by_month,
        )  # fmt: skip
        shock = common_shock_summary(aligned, stats, known.n_workers)
        n, n_p = history.n_workers, len(history.platforms)
        rows = np.flatnonzero(has_income)

        def widen(arr: FloatArray) -> FloatArray:
            full = np.zeros((n, *arr.shape[1:]))
            full[rows] = arr
            return full

        p_active = np.zeros((known.n_workers, n_p, horizon))
        real = sim_stats.platform < n_p  # leave out the "next platform" cells
        p_active[sim_stats.worker[real], sim_stats.platform[real]] = paths.p_active[real]
        p_zero = widen(paths.p_zero)
        p_zero[~has_income] = 1.0
        return Forecast(
            model_id=st.model_id,
            version=st.version,
            worker_ids=history.worker_ids,
            platforms=history.platforms,
            months=tuple(_label(last + 1 + h) for h in range(horizon)),
            quantiles=widen(paths.quantiles),
            p_active=widen(p_active),
            baseline=widen(paths.baseline),
            savings_target=widen(paths.savings_target),
            savings_level=cfg.savings_level,
            savings_months=cfg.savings_months,
            baseline_months=cfg.baseline_months,
            p_zero=p_zero,
            log_q16=widen(paths.log_q16),
            log_q50=widen(paths.log_q50),
            log_q84=widen(paths.log_q84),
            loading=widen(shock.loading),
            shock_sigma=shock.sigma,
            shock_rho=shock.rho,
            df=st.nu,
            pit=None if paths.pit is None else widen(paths.pit),
        )

    # -- persistence -------------------------------------------------------------------------
    def save(self, path: Path | str) -> None:
        """Write the fit (parameters, config, model id and version) to one `.npz` file."""
        Path(path).write_bytes(self.to_bytes())

    def to_bytes(self) -> bytes:
        """The fit as `save` writes it, for storage in a database column."""
        st = self.fitted
        meta = {
            "model_id": st.model_id,
            "version": st.version,
            "config": asdict(st.config),
            "platforms": list(st.platforms),
            "start": st.start,
            "log_center": st.log_center,
            "log_max": st.log_max,
            "nu": st.nu,
            "spread": st.spread,
            "n_sample": st.n_sample,
            "diagnostics": st.diagnostics,
        }
        buf = io.BytesIO()
        arrays: dict[str, Any] = {"meta": np.array(json.dumps(meta)), **st.hyper.arrays()}
        np.savez_compressed(buf, **arrays)
        return buf.getvalue()

    @classmethod
    def load(cls, path: Path | str) -> IncomeModel:
        """Read a fit written by `save`; refuse one made by another model version."""
        return cls.from_bytes(Path(path).read_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> IncomeModel:
        """Read a fit written by `to_bytes`; refuse one made by another model version."""
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            meta: dict[str, Any] = json.loads(str(npz["meta"]))
            arrays = {k: np.asarray(npz[k]) for k in npz.files if k != "meta"}
        config = ModelConfig(**meta["config"])
        if meta["version"] != MODEL_VERSION or meta["model_id"] != config.model_id():
            raise ModelVersionError(
                f"fit {meta['model_id']} was made by income model version {meta['version']}; "
                f"this is version {MODEL_VERSION} (model id {config.model_id()}): refit it"
            )
        model = cls(config)
        model.state = FitState(
            model_id=meta["model_id"],
            version=meta["version"],
            config=config,
            platforms=tuple(meta["platforms"]),
            start=int(meta["start"]),
            log_center=float(meta["log_center"]),
            log_max=float(meta["log_max"]),
            nu=float(meta["nu"]),
            spread=float(meta["spread"]),
            n_sample=int(meta["n_sample"]),
            hyper=Hyper(**arrays),
            diagnostics=dict(meta["diagnostics"]),
        )
        return model


def _tail_nu(
    sample: IncomeHistory,
    hyper: Hyper,
    platforms: tuple[str, ...],
    discount: float,
    log_center: float,
) -> float:
    """Tail shape from the sample's residuals, standardised by each cell's posterior scale."""
    stats = cell_stats(sample, discount, log_center)
    start = month_index(sample.start_month)
    aligned = align_hyper(
        hyper, platforms, start, platforms, family_index(platforms), start,
        _month_of_year(start, sample.n_months),
    )  # fmt: skip
    post = update(stats, aligned)
    rich = stats.weight_active.sum(axis=1) >= 6  # enough months to know the level
    effect = aligned.effect.mean(axis=0)[stats.platform[rich]]  # (C, T)
    scale = np.sqrt(post.beta / post.alpha).mean(axis=1)[rich]
    resid = (stats.log_y[rich] - post.mu.mean(axis=1)[rich, None] - effect) / scale[:, None]
    return tails.fit_nu(resid[stats.weight_active[rich] > 0])


def _log_scale(history: IncomeHistory, max_factor: float = 3.0) -> tuple[float, float]:
    positive = history.amounts[history.amounts > 0]
    if positive.size == 0:
        raise ValueError("the history has no income at all")
    logs = np.log(positive)
    center = float(np.round(np.median(logs), 6))
    return center, float(logs.max() - center + np.log(max_factor))


def _month_of_year(first: int, n: int) -> IntArray:
    return np.asarray((first + np.arange(n)) % 12, dtype=np.int64)


def _label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
