"""New workers add platforms: one "next platform" cell for each worker still settling in.

A worker who joined two months ago on one app often starts a second within months; a
forecast that only knows the platforms already used misses that upside (the backtest showed
it as too many outcomes above the 90% quantile for short histories). Each worker with at
most `MAX_TENURE` months of history therefore gets one extra cell with no data of its own:

- it starts inactive and becomes active with the *adoption rate* of workers at that tenure,
  a Beta posterior from the whole history (adoptions / worker-months at risk, by tenure
  band); once active it stays with the platforms' average persistence;
- its amount comes from the population's average platform (the prior of a new cell), with
  no season of its own and no platform shock.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from actuarial.model.conjugate import AlignedHyper, CellPosterior
from actuarial.model.data import CellStats, FloatArray, IncomeHistory, IntArray
from actuarial.synthetic import FAMILIES

MAX_TENURE = 12
"""Workers with longer histories have settled on their platforms (adoption is rare)."""
TENURE_BANDS = np.array([3, 6, 12])
"""Adoption rates are estimated for tenures 1-3, 4-6, 7-12 months."""


def adoption_rates(history: IncomeHistory) -> tuple[FloatArray, FloatArray]:
    """Beta posterior (a, b) of the monthly rate of starting a new platform, per tenure band."""
    active = history.amounts > 0
    n_t = active.shape[2]
    t = np.arange(n_t)
    first_use = np.where(active.any(axis=2), active.argmax(axis=2), n_t)  # (n, P)
    first = history.first_month
    adopt_tenure = first_use - first[:, None]  # months after joining
    band_of = np.searchsorted(TENURE_BANDS, np.arange(n_t + 1), side="left")
    adopted = np.zeros(TENURE_BANDS.size + 1)
    valid = (first_use < n_t) & (adopt_tenure > 0)
    np.add.at(adopted, band_of[adopt_tenure[valid]], 1.0)
    tenure = t[None, :] - first[:, None]  # (n, T)
    at_risk = np.zeros(TENURE_BANDS.size + 1)
    inside = tenure > 0
    np.add.at(at_risk, band_of[np.minimum(tenure[inside], n_t)], 1.0)
    a = 1.0 + adopted[: TENURE_BANDS.size]
    b = 1.0 + np.maximum(at_risk - adopted, 0.0)[: TENURE_BANDS.size]
    return a, b


def with_newcomer_cells(
    history: IncomeHistory,
    stats: CellStats,
    post: CellPosterior,
    hyper: AlignedHyper,
    platform_family: IntArray,
) -> tuple[CellStats, CellPosterior, AlignedHyper, IntArray]:
    """Add a "next platform" cell for every worker with a short history.

    The extra cells use platform column P (one past the history's platforms); the returned
    hyperparameters and family array have that column too.
    """
    tenure = history.history_lengths()
    rows = np.flatnonzero(tenure <= MAX_TENURE)
    n_p = int(hyper.m.shape[1])
    if rows.size == 0:
        return stats, post, hyper, platform_family
    a, b = adoption_rates(history)
    band = np.minimum(np.searchsorted(TENURE_BANDS, tenure[rows], side="left"), a.size - 1)
    n_k = hyper.m.shape[0]
    k_ones = np.ones((rows.size, n_k))

    def pooled(arr: FloatArray) -> FloatArray:
        return np.asarray(k_ones * arr.mean(axis=1)[None, :], dtype=np.float64)

    extra = CellPosterior(
        mu=pooled(hyper.m),
        kappa=pooled(hyper.kappa0),
        alpha=pooled(hyper.alpha0),
        beta=pooled(hyper.beta0),
        stay_a=pooled(hyper.stay_a),
        stay_b=pooled(hyper.stay_b),
        enter_a=k_ones * a[band][:, None],
        enter_b=k_ones * b[band][:, None],
    )
    n_t = stats.log_y.shape[1]
    zeros_t = np.zeros((rows.size, n_t))
    zeros = np.zeros(rows.size)
    worker = np.concatenate([stats.worker, rows])
    order = np.argsort(worker, kind="stable")  # keep cells grouped by worker

    def cat(old: np.ndarray, new: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
        return np.concatenate([old, new])[order]

    new_stats = CellStats(
        worker=worker[order],
        platform=cat(stats.platform, np.full(rows.size, n_p, dtype=np.int64)).astype(np.int64),
        weight_active=cat(stats.weight_active, zeros_t),
        log_y=cat(stats.log_y, zeros_t),
        n_stay=cat(stats.n_stay, zeros),
        n_leave=cat(stats.n_leave, zeros),
        n_enter=cat(stats.n_enter, zeros),
        n_idle=cat(stats.n_idle, zeros),
        last_active=cat(stats.last_active, np.zeros(rows.size, dtype=bool)).astype(bool),
        income_share=cat(stats.income_share, zeros),
    )
    new_post = CellPosterior(
        **{name: cat(getattr(post, name), getattr(extra, name)) for name in post.__dict__}
    )

    def add_col(arr: FloatArray) -> FloatArray:
        return np.concatenate([arr, np.zeros_like(arr[:, :1])], axis=1)

    new_hyper = replace(
        hyper,
        effect=add_col(hyper.effect),
        shock=add_col(hyper.shock),
        shock_now_mean=add_col(hyper.shock_now_mean),
        shock_now_sd=add_col(hyper.shock_now_sd),
    )
    families = np.concatenate([platform_family, [FAMILIES.index("other")]]).astype(np.int64)
    return new_stats, new_post, new_hyper, families
