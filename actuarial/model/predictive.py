"""Posterior predictive paths, and what Mutua reads off them.

Each path draws one set of population parameters (one of K), one set of the worker's own
parameters from their conjugate posterior, one path of each platform's common shock, and then
the months in order (on/off by the Markov chain, amounts around the worker's level). Months
within a path therefore share the worker's level and the platform's downturn: exactly the
dependence that makes several bad months in a row likelier than independent months suggest,
and that a savings buffer has to cover.

Cost is what this module is about: 100,000 workers x 3 platforms x 12 months x D draws. It
draws in float32, in chunks of workers (bounded memory), on a few threads (numpy releases
the GIL in its random generators and ufuncs), and reads every statistic off one sort.

- **Quantiles** of monthly total income: 5, 10, 25, 50, 75, 90, 95%.
- **Baseline**: the posterior median of the worker's average monthly income over the next
  `baseline_months` (12): "half of the years we simulate for you average more than this, half
  less". It follows recent months more than old ones (discounting), includes the seasons
  (averaged over a year) and the current state of the platforms.
- **Savings target**: the `level` quantile of the sum of shortfalls below the baseline over
  the next `savings_months`: with probability `level`, a buffer of that size covers every
  month below the baseline in that period, without counting on saving in good months.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from actuarial.model import tails
from actuarial.model.conjugate import AlignedHyper, CellPosterior
from actuarial.model.data import CellStats, FloatArray, IntArray

QUANTILES: tuple[float, ...] = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
F32 = NDArray[np.float32]

MAX_LOG_SD = 2.0
"""Cap on a path's noise sd of log income (a factor of e**2 per sd): the Inverse-Gamma
posterior of a thin history has a long tail, and uncapped it would produce absurd months."""


@dataclass(frozen=True)
class PathSummary:
    """What each worker's predictive paths say, over workers (n), months (h) and platforms."""

    quantiles: FloatArray  # (n, h, 7) monthly total income at QUANTILES
    p_active: FloatArray  # (C, h) per cell: probability of income on that platform
    baseline: FloatArray  # (n,)
    savings_target: FloatArray  # (n,)
    p_zero: FloatArray  # (n, h) probability of no income at all
    log_q16: FloatArray  # (n, h) log income quantiles given some income
    log_q50: FloatArray
    log_q84: FloatArray
    pit: FloatArray | None = None  # (n, h) when realised values were given


@dataclass(frozen=True)
class SimulationPlan:
    horizon: int
    draws: int
    baseline_months: int
    savings_months: int
    savings_level: float
    log_center: float
    log_max: float  # cap on centred log income of any month
    nu: float  # degrees of freedom of the month-to-month deviations
    seed: int
    spread: float = 1.0  # factor on the deviations' spread (see `spread`)
    chunk_workers: int = 2048
    threads: int = 2


def shock_paths(
    hyper: AlignedHyper, horizon: int, draws: int, rng: np.random.Generator
) -> FloatArray:
    """(D, P, h) future platform shocks, shared by all workers, starting from today's state."""
    n_k, n_p = hyper.shock_now_mean.shape
    kd = np.arange(draws) % n_k
    rho = hyper.rho[kd][:, None]
    sig = hyper.shock_sigma[kd][:, None]
    state = hyper.shock_now_mean[kd] + hyper.shock_now_sd[kd] * rng.standard_normal((draws, n_p))
    out = np.empty((draws, n_p, horizon))
    for h in range(horizon):
        state = rho * state + sig * np.sqrt(1.0 - rho**2) * rng.standard_normal((draws, n_p))
        out[:, :, h] = state
    return out


def simulate(
    stats: CellStats,
    post: CellPosterior,
    hyper: AlignedHyper,
    platform_family: IntArray,
    month_of_year: IntArray,
    n_workers: int,
    plan: SimulationPlan,
    realized: FloatArray | None = None,
    enter_by_month: FloatArray | None = None,
) -> PathSummary:
    """Simulate every worker's predictive paths in chunks and summarise them.

    `month_of_year` gives the calendar month (0 = January) of each simulated month; the
    simulation runs long enough for the horizon, the baseline and the savings period.
    `enter_by_month` (C, months), where not NaN, replaces a cell's P(active | inactive) in
    that month (the "next platform" cells, whose rate changes with the worker's tenure).
    """
    n_sim = int(month_of_year.shape[0])
    root = np.random.SeedSequence(plan.seed)
    shock_seed, *chunk_seeds = root.spawn(1 + -(-n_workers // plan.chunk_workers))
    shocks = shock_paths(hyper, n_sim, plan.draws, np.random.default_rng(shock_seed))
    kd = np.arange(plan.draws) % hyper.m.shape[0]
    # (D, P, n_sim): season of the platform's family plus the common shock, per path.
    season = hyper.season[kd][:, platform_family][:, :, month_of_year]
    effect = (season + shocks).astype(np.float32)

    starts = stats.worker_starts()
    out = _allocate(n_workers, stats.n_cells, plan.horizon)
    if realized is not None:
        out["pit"] = np.empty((n_workers, plan.horizon))
    bounds = [
        (w0, min(w0 + plan.chunk_workers, n_workers))
        for w0 in range(0, n_workers, plan.chunk_workers)
    ]

    def run(i: int) -> None:
        w0, w1 = bounds[i]
        c0 = int(starts[w0])
        c1 = int(starts[w1]) if w1 < n_workers else stats.n_cells
        _simulate_chunk(
            stats, post, effect, kd, plan, np.random.default_rng(chunk_seeds[i]),
            slice(w0, w1), slice(c0, c1), starts[w0:w1] - c0, out, realized, enter_by_month,
        )  # fmt: skip

    if plan.threads > 1:
        with ThreadPoolExecutor(plan.threads) as pool:
            list(pool.map(run, range(len(bounds))))
    else:
        for i in range(len(bounds)):
            run(i)
    return PathSummary(**out)


def _allocate(n: int, n_cells: int, horizon: int) -> dict[str, FloatArray]:
    return {
        "quantiles": np.empty((n, horizon, len(QUANTILES))),
        "p_active": np.empty((n_cells, horizon)),
        "baseline": np.empty(n),
        "savings_target": np.empty(n),
        "p_zero": np.empty((n, horizon)),
        "log_q16": np.empty((n, horizon)),
        "log_q50": np.empty((n, horizon)),
        "log_q84": np.empty((n, horizon)),
    }


def _simulate_chunk(
    stats: CellStats,
    post: CellPosterior,
    effect: F32,
    kd: IntArray,
    plan: SimulationPlan,
    rng: np.random.Generator,
    workers: slice,
    cells: slice,
    local_starts: IntArray,
    out: dict[str, FloatArray],
    realized: FloatArray | None,
    enter_by_month: FloatArray | None,
) -> None:
    f32 = np.float32
    d = plan.draws
    n_sim = effect.shape[2]

    def par(arr: FloatArray) -> F32:
        return arr[cells][:, kd].astype(f32)  # (Cc, D): each path's population draw

    alpha, beta, kappa, mu_n = par(post.alpha), par(post.beta), par(post.kappa), par(post.mu)
    n_c = alpha.shape[0]
    var = np.minimum(beta / rng.standard_gamma(alpha, dtype=f32), f32(MAX_LOG_SD**2))
    mu = mu_n + np.sqrt(var / kappa) * rng.standard_normal((n_c, d), dtype=f32)
    sd = np.sqrt(var)
    p_stay = _beta(rng, par(post.stay_a), par(post.stay_b))
    p_enter = _beta(rng, par(post.enter_a), par(post.enter_b))
    scheduled = None
    if enter_by_month is not None:
        ebm = enter_by_month[cells]
        rows = np.flatnonzero(np.isfinite(ebm[:, 0]))
        scheduled = (rows, ebm[rows].astype(f32)) if rows.size else None

    plat = stats.platform[cells]
    table = tails.unit_t_table(plan.nu) * f32(plan.spread)
    # Month-major effects so that each month's gather takes whole contiguous rows.
    eff_by_month = np.ascontiguousarray(effect.transpose(2, 1, 0))  # (n_sim, P, D)
    amounts = np.empty((n_c, n_sim, d), dtype=f32)  # draws last: contiguous writes and sorts
    active = stats.last_active[cells][:, None].repeat(d, axis=1)
    active_count = np.empty((n_c, n_sim), dtype=f32)
    cap = f32(plan.log_max)
    center = f32(plan.log_center)
    for h in range(n_sim):
        u = rng.random((n_c, d), dtype=f32)
        if scheduled is not None:
            p_enter[scheduled[0]] = scheduled[1][:, h, None]
        active = u < np.where(active, p_stay, p_enter)
        active_count[:, h] = active.sum(axis=1)
        log_amt = tails.draw(rng, table, (n_c, d))
        log_amt *= sd
        log_amt += mu
        log_amt += eff_by_month[h][plat]
        np.minimum(log_amt, cap, out=log_amt)
        log_amt += center
        np.exp(log_amt, out=log_amt)
        np.multiply(log_amt, active, out=amounts[:, h, :])
    out["p_active"][cells] = active_count[:, : plan.horizon] / d

    totals = np.add.reduceat(amounts, local_starts, axis=0)  # (Wc, n_sim, D)
    del amounts
    baseline = np.median(totals[:, : plan.baseline_months, :].mean(axis=1), axis=1)
    short = np.maximum(baseline[:, None, None] - totals[:, : plan.savings_months, :], 0.0)
    target = np.quantile(short.sum(axis=1), plan.savings_level, axis=1)
    out["baseline"][workers] = baseline
    out["savings_target"][workers] = target

    ordered = totals[:, : plan.horizon, :].copy()
    ordered.sort(axis=2)  # (Wc, h, D)
    if realized is not None:
        x = realized[workers][:, :, None]
        below = (ordered < x).sum(axis=2)
        ties = (ordered == x).sum(axis=2)
        out["pit"][workers] = (below + rng.random(below.shape) * ties) / d
    pos = np.array(QUANTILES) * (d - 1)
    lo = np.floor(pos).astype(np.int64)
    frac = (pos - lo).astype(f32)
    hi = np.minimum(lo + 1, d - 1)
    out["quantiles"][workers] = ordered[:, :, lo] * (1 - frac) + ordered[:, :, hi] * frac
    zeros = (ordered <= 0).sum(axis=2)  # zeros sort first
    out["p_zero"][workers] = zeros / d
    for name, q in (("log_q16", 0.16), ("log_q50", 0.50), ("log_q84", 0.84)):
        idx = np.minimum(zeros + np.floor(q * (d - zeros)).astype(np.int64), d - 1)
        val = np.take_along_axis(ordered, idx[:, :, None], axis=2)[:, :, 0]
        out[name][workers] = np.log(np.maximum(val, 1e-2))


def _beta(rng: np.random.Generator, a: F32, b: F32) -> F32:
    """Beta draws as a ratio of gammas, in float32 (numpy's beta has no float32 path)."""
    x = rng.standard_gamma(a, dtype=np.float32)
    y = rng.standard_gamma(b, dtype=np.float32)
    return np.asarray(x / np.maximum(x + y, np.float32(1e-30)), dtype=np.float32)
