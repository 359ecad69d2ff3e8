"""New workers add platforms: one "next platform" cell for each worker still settling in.

A worker who joined two months ago on one app often starts a second within months; a
forecast that only knows the platforms already used misses that upside (the backtest showed
it as too many outcomes above the 90% quantile for short histories). Each worker with at
most `MAX_TENURE` months of history, and some platform not used yet, therefore gets one
extra cell with no data of its own:

- it starts inactive and becomes active with the *adoption rate* of workers at the tenure
  the worker will have *in that forecast month* (a Beta posterior mean from the whole
  history: adoptions / worker-months at risk, by tenure band). Adoption falls steeply with
  tenure (most second platforms start within a quarter), so holding today's rate over the
  whole horizon overstated the upside of new workers' forecasts; once active the cell stays
  with that platform's persistence;
- which platform it is, is unknown: each population draw k takes one of the platforms the
  worker does not use yet, in proportion to how often workers took each up, so the paths
  mix over the candidates. The cell's amount has that platform's population prior (level,
  spread of worker levels, noise). Averaging the platforms' prior parameters instead (as an
  earlier version did) mismatched level and precision and gave a level spread far wider
  than any one platform's, which inflated short histories' intervals;
- it has no season of its own and no platform shock.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from actuarial.model.conjugate import AlignedHyper, CellPosterior
from actuarial.model.data import BoolArray, CellStats, FloatArray, IncomeHistory, IntArray
from actuarial.platforms import FAMILIES

MAX_TENURE = 12
"""Workers with longer histories have settled on their platforms (adoption is rare)."""
TENURE_BANDS = np.array([3, 6, 12])
"""Adoption rates are estimated for tenures 1-3, 4-6, 7-12 and 13+ months."""


def adoption_rates(history: IncomeHistory) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Beta posterior (a, b) of the monthly rate of starting a new platform per tenure band,
    and how many workers took up each platform.

    Workers already there when the window opens are left out when any others exist: their
    tenure is unknown, and a platform they return to after an off spell would count as
    taken up "in their first months", inflating new workers' rates.
    """
    active = history.amounts > 0
    n_t = active.shape[2]
    first = history.first_month
    joined = first > 0
    keep = joined if joined.any() else np.ones_like(joined)
    active, first = active[keep], first[keep]
    first_use = np.where(active.any(axis=2), active.argmax(axis=2), n_t)  # (n, P)
    adopt_tenure = first_use - first[:, None]  # months after joining
    band_of = np.searchsorted(TENURE_BANDS, np.arange(n_t + 1), side="left")
    n_bands = TENURE_BANDS.size + 1
    valid = (first_use < n_t) & (adopt_tenure > 0)
    adopted = np.bincount(band_of[adopt_tenure[valid]], minlength=n_bands).astype(float)
    tenure = np.arange(n_t)[None, :] - first[:, None]  # (n, T)
    at_risk = np.bincount(band_of[tenure[tenure > 0]], minlength=n_bands).astype(float)
    a = 1.0 + adopted
    b = 1.0 + np.maximum(at_risk - adopted, 0.0)
    per_platform = valid.sum(axis=0).astype(float)
    return a, b, per_platform


def with_newcomer_cells(
    history: IncomeHistory,
    stats: CellStats,
    post: CellPosterior,
    hyper: AlignedHyper,
    platform_family: IntArray,
    n_sim: int,
) -> tuple[CellStats, CellPosterior, AlignedHyper, IntArray, FloatArray | None]:
    """Add a "next platform" cell for every worker with a short history.

    The extra cells use platform column P (one past the history's platforms); the returned
    hyperparameters and family array have that column too. The last item is each cell's
    probability of becoming active in each of the `n_sim` simulated months, NaN where the
    cell's own Beta posterior applies (every ordinary cell); None without extra cells.
    """
    tenure = history.history_lengths()
    used: BoolArray = np.asarray((history.amounts > 0).any(axis=2))  # (n, P)
    rows = np.flatnonzero((tenure <= MAX_TENURE) & ~used.all(axis=1))
    n_p = int(hyper.m.shape[1])
    if rows.size == 0:
        return stats, post, hyper, platform_family, None
    a, b, taken_up = adoption_rates(history)
    rate = a / (a + b)
    future = tenure[rows, None] + np.arange(n_sim)[None, :]  # tenure in each simulated month
    band = np.searchsorted(TENURE_BANDS, future, side="left")
    n_k = hyper.m.shape[0]

    # Draw k's platform: stratified over the candidates' take-up shares (+1 so that a
    # platform nobody took up yet is still possible).
    weight = np.where(used[rows], 0.0, taken_up[None, :] + 1.0)
    cum = np.cumsum(weight, axis=1) / weight.sum(axis=1, keepdims=True)
    u = (np.arange(n_k) + 0.5) / n_k
    pick = np.minimum((cum[:, None, :] < u[None, :, None]).sum(axis=2), n_p - 1)  # (rows, K)
    k_of = np.broadcast_to(np.arange(n_k)[None, :], pick.shape)

    def of_pick(arr: FloatArray) -> FloatArray:
        return np.asarray(arr[k_of, pick], dtype=np.float64)

    k_ones = np.ones((rows.size, n_k))
    extra = CellPosterior(
        mu=of_pick(hyper.m),
        kappa=of_pick(hyper.kappa0),
        alpha=of_pick(hyper.alpha0),
        beta=of_pick(hyper.beta0),
        stay_a=of_pick(hyper.stay_a),
        stay_b=of_pick(hyper.stay_b),
        enter_a=k_ones * a[band[:, :1]],
        enter_b=k_ones * b[band[:, :1]],
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
    enter_by_month = cat(np.full((stats.n_cells, n_sim), np.nan), rate[band])

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
    return new_stats, new_post, new_hyper, families, enter_by_month
