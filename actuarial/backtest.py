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

Everything is reported by history length at the cut, because a forecast for a worker with
two months of history is where partial pooling earns its keep.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from actuarial.model import QUANTILES, IncomeHistory, IncomeModel, ModelConfig
from actuarial.model.data import FloatArray, IntArray
from actuarial.synthetic import generate_population

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
) -> IncomeModel:
    """Fit (unless given a model) on `months` months of one population and score the rest."""
    pop = generate_population(n_workers, months + horizon, platforms=platforms, seed=seed)
    known = pop.first_month < months
    history = IncomeHistory.from_population(pop.truncate(months))
    actual = pop.totals()[known, months : months + horizon]
    if model is None:
        model = IncomeModel(config)
        model.fit(history, seed=seed)
    fc = model.predict(history, horizon=horizon, seed=seed, realized=actual)
    assert fc.pit is not None
    own, pooled = naive_quantiles(history)
    out.history.append(np.repeat(history.history_lengths()[:, None], horizon, axis=1))
    out.pit.append(fc.pit)
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


def backtest_command(
    *, workers: int, months: int, horizon: int, platforms: int, seeds: int, sample_workers: int
) -> None:
    """Fit and score on `seeds` generated populations and print the report."""
    config = ModelConfig(sample_workers=sample_workers)
    out = Outcomes()
    for seed in range(seeds):
        run_seed(100 + seed, workers, months, horizon, platforms, config, out)
    print(
        f"Backtest: {seeds} generated populations x {workers} workers, "
        f"{platforms} platforms, fitted on {months} months, "
        f"scored on the next {horizon}"
    )
    print(report(out))
