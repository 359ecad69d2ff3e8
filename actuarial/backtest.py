"""Honest checks of the income model on generated data with held-out months.

For each seed, a population is generated over `months + horizon` months, the model is fitted
on the first `months` only (workers who had not joined yet are unknown to it), and every
worker's forecast of the next `horizon` months is compared with what happened:

- **coverage** of the central 50/80/90/95% predictive intervals (from the PIT, so any level
  can be read off the same paths);
- **PIT deciles**: the share of outcomes falling in each tenth of the predictive
  distribution; 10% each when calibrated;
- **quantile score** (mean pinball loss over the 5..95% quantiles, in currency units; lower
  is better) against two naive forecasters: the worker's own past months (their empirical
  quantiles) and the pooled distribution of all workers' months over the last year.

A month with no income where a forecast's p05 is 0 is neither below that quantile nor above
it: with an atom at zero, a calibrated forecast has fewer than 5% of outcomes strictly below
its p05 and more than 5% at or below it. The comparison table therefore shows the ties
beside the share strictly below; the PIT splits each atom at random (Czado, Gneiting and
Held, 2009), so its deciles and the coverage read from it need no such care.

Everything is reported by history length at the cut, because a forecast for a worker with
two months of history is where partial pooling earns its keep.

Populations come from either generator, `synthetic` (the project's) or `synthetic_regimes`
(built on other assumptions), or both. With a peer (``lightgbm``, see `peer`), the peer
forecasts the same held-out months and a comparison table gives, per method, the coverage
of the 80% and 90% intervals read off the quantiles, the share of outcomes below each
quantile and equal to p05 and p10, the quantile score overall and on histories of three
months or less, its gain over the worker's own history, and the method's CPU seconds (fit
and forecast).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from actuarial.model import QUANTILES, IncomeHistory, IncomeModel, ModelConfig
from actuarial.model.data import FloatArray, IntArray
from actuarial.synthetic import SyntheticPopulation, generate_population
from actuarial.synthetic_regimes import generate_regime_population

GENERATORS: dict[str, Callable[..., SyntheticPopulation]] = {
    "project": generate_population,
    "regimes": generate_regime_population,
}
PEERS = ("lightgbm",)

BANDS: tuple[tuple[str, int, int], ...] = (
    ("1-3", 1, 3),
    ("4-12", 4, 12),
    ("13-24", 13, 24),
    ("25+", 25, 10_000),
    ("all", 1, 10_000),
)
LEVELS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95)


@dataclass
class Outcomes:
    """Pooled held-out outcomes over seeds: one entry per (worker, month)."""

    history: list[IntArray] = field(default_factory=list)
    pit: list[FloatArray] = field(default_factory=list)
    score_model: list[FloatArray] = field(default_factory=list)
    score_own: list[FloatArray] = field(default_factory=list)
    score_pooled: list[FloatArray] = field(default_factory=list)
    actual: list[FloatArray] = field(default_factory=list)
    quantiles: dict[str, list[FloatArray]] = field(default_factory=dict)
    """Forecast quantiles (n, h, 7) per method ("model", and any peer)."""
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds per method, fit and forecast, summed over seeds."""

    def add(self, method: str, quantiles: FloatArray, cpu: float) -> None:
        self.quantiles.setdefault(method, []).append(quantiles)
        self.cpu[method] = self.cpu.get(method, 0.0) + cpu

    def cat(self, name: str) -> FloatArray:
        return np.concatenate([np.ravel(a) for a in getattr(self, name)])


def pinball(quantiles: FloatArray, actual: FloatArray) -> FloatArray:
    """Mean pinball loss over QUANTILES; `quantiles` (..., 7), `actual` (...)."""
    q = np.asarray(QUANTILES)
    diff = actual[..., None] - quantiles
    return np.asarray(np.mean(np.maximum(q * diff, (q - 1) * diff), axis=-1))


def naive_quantiles(history: IncomeHistory) -> tuple[FloatArray, FloatArray]:
    """(n, 7) quantiles of each worker's own past months, and (7,) of the pooled last year."""
    totals = history.amounts.sum(axis=1)
    inside = np.arange(history.n_months)[None, :] >= history.first_month[:, None]
    masked = np.where(inside, totals, np.nan)
    own = np.nanquantile(masked, QUANTILES, axis=1).T
    last_year = masked[:, -12:]
    pooled = np.nanquantile(last_year[np.isfinite(last_year)], QUANTILES)
    return np.asarray(own), np.asarray(pooled)


def run_seed(
    seed: int,
    n_workers: int,
    months: int,
    horizon: int,
    platforms: int,
    config: ModelConfig,
    out: Outcomes,
    model: IncomeModel | None = None,
    generator: str = "project",
    peer: str | None = None,
) -> IncomeModel:
    """Fit (unless given a model) on `months` months of one population and score the rest."""
    pop = GENERATORS[generator](n_workers, months + horizon, platforms=platforms, seed=seed)
    known = pop.first_month < months
    history = IncomeHistory.from_population(pop.truncate(months))
    actual = pop.totals()[known, months : months + horizon]
    cpu = time.process_time()
    if model is None:
        model = IncomeModel(config)
        model.fit(history, seed=seed)
    fc = model.predict(history, horizon=horizon, seed=seed, realized=actual)
    out.add("model", fc.quantiles, time.process_time() - cpu)
    assert fc.pit is not None
    if peer == "lightgbm":
        from actuarial.peer import lightgbm_quantiles

        cpu = time.process_time()
        out.add(
            "lightgbm", lightgbm_quantiles(history, horizon, seed=seed), time.process_time() - cpu
        )
    own, pooled = naive_quantiles(history)
    out.history.append(np.repeat(history.history_lengths()[:, None], horizon, axis=1))
    out.pit.append(fc.pit)
    out.actual.append(actual)
    out.score_model.append(pinball(fc.quantiles, actual))
    out.score_own.append(pinball(np.repeat(own[:, None, :], horizon, axis=1), actual))
    out.score_pooled.append(pinball(np.broadcast_to(pooled, (*actual.shape, 7)), actual))
    return model


def coverage(pit: FloatArray, level: float) -> float:
    """Share of outcomes inside the central `level` predictive interval."""
    lo, hi = (1 - level) / 2, (1 + level) / 2
    return float(np.mean((pit > lo) & (pit <= hi)))


def report(out: Outcomes) -> str:
    """The backtest tables as text."""
    hist, pit = out.cat("history"), out.cat("pit")
    s_model, s_own, s_pool = out.cat("score_model"), out.cat("score_own"), out.cat("score_pooled")
    lines = ["Interval coverage (nominal 50/80/90/95%) and quantile score (lower is better)", ""]
    lines.append(
        f"{'history':>8} {'n':>7} {'cov50':>6} {'cov80':>6} {'cov90':>6} {'cov95':>6}"
        f" {'QS model':>9} {'QS own':>9} {'QS pooled':>9}"
    )
    for name, lo, hi in BANDS:
        sel = (hist >= lo) & (hist <= hi)
        if not sel.any():
            continue
        cov = " ".join(f"{100 * coverage(pit[sel], lv):6.1f}" for lv in LEVELS)
        lines.append(
            f"{name:>8} {int(sel.sum()):7d} {cov} {s_model[sel].mean():9.1f}"
            f" {s_own[sel].mean():9.1f} {s_pool[sel].mean():9.1f}"
        )
    lines += ["", "PIT deciles (% of outcomes per tenth of the predictive; 10 each if calibrated)"]
    for name, lo, hi in BANDS:
        sel = (hist >= lo) & (hist <= hi)
        if not sel.any():
            continue
        counts = np.histogram(pit[sel], bins=np.linspace(0, 1, 11))[0] / sel.sum() * 100
        lines.append(f"{name:>8} " + " ".join(f"{c:5.1f}" for c in counts))
    return "\n".join(lines)


def compare(out: Outcomes) -> str:
    """Every method side by side on the same held-out months (see the module docstring)."""
    actual, hist = out.cat("actual"), out.cat("history")
    own = out.cat("score_own")
    short = hist <= 3
    names = "".join(f" <p{round(100 * q):02d}" for q in QUANTILES)
    lines = [
        "Methods on the same held-out months: coverage, share of outcomes below each "
        "quantile (%), outcomes equal to p05 and p10 (%, nearly all a month of no income "
        "where the quantile is 0), quantile score (all / history <= 3 months), gain vs own "
        "history, CPU",
        "",
        f"{'method':>9} {'cov80':>6} {'cov90':>6}{names}  =p05  =p10 {'QS':>8} {'QS<=3':>8}"
        f" {'gain':>6} {'gain<=3':>7} {'CPU s':>7}",
    ]
    for method, parts in out.quantiles.items():
        q = np.concatenate([a.reshape(-1, len(QUANTILES)) for a in parts])
        below = [100 * float(np.mean(actual < q[:, j])) for j in range(len(QUANTILES))]
        ties = [100 * float(np.mean(actual == q[:, j])) for j in (0, 1)]
        cov80 = 100 * float(np.mean((actual >= q[:, 1]) & (actual <= q[:, 5])))
        cov90 = 100 * float(np.mean((actual >= q[:, 0]) & (actual <= q[:, 6])))
        score = pinball(q, actual)
        gain = 100 * (1 - score.mean() / own.mean())
        gain_short = 100 * (1 - score[short].mean() / own[short].mean())
        lines.append(
            f"{method:>9} {cov80:6.1f} {cov90:6.1f}"
            + "".join(f" {b:4.1f}" for b in below)
            + "".join(f" {t:5.1f}" for t in ties)
            + f" {score.mean():8.1f} {score[short].mean():8.1f} {gain:6.1f} {gain_short:7.1f}"
            f" {out.cpu[method]:7.1f}"
        )
    return "\n".join(lines)


def backtest_command(
    *,
    workers: int,
    months: int,
    horizon: int,
    platforms: int,
    seeds: int,
    sample_workers: int,
    generators: tuple[str, ...] = ("project",),
    peer: str | None = None,
) -> None:
    """Fit and score on `seeds` generated populations per generator and print the report."""
    config = ModelConfig(sample_workers=sample_workers)
    for name in generators:
        out = Outcomes()
        for seed in range(seeds):
            run_seed(
                100 + seed, workers, months, horizon, platforms, config, out,
                generator=name, peer=peer,
            )  # fmt: skip
        print(
            f"Backtest ({name} generator): {seeds} generated populations x {workers} workers, "
            f"{platforms} platforms, fitted on {months} months, "
            f"scored on the next {horizon}"
        )
        print(report(out))
        print()
        print(compare(out))
        print()
