"""Stage two: every worker's posterior in closed form, vectorised over all cells.

Given one draw of the population parameters, a cell's posterior is conjugate:

- hurdle: Beta(a + stays, b + leaves) for P(active | active) and Beta(a + entries,
  b + idle months) for P(active | inactive), counts discounted by age;
- log-amount: Normal-Inverse-Gamma, with the seasonal effect and the platform-month shock
  of each month taken out first. The posterior mean of a worker's level is the credibility
  blend ``(kappa0 * m + n * mean) / (kappa0 + n)``: Bühlmann-Straub with credibility
  ``n / (n + kappa0)``, so a worker with two months leans on the pool and a worker with
  three years on their own record.

Uncertainty about the population parameters is carried by repeating the update for K
posterior draws of them and mixing: each predictive path uses one of the K.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from actuarial.model.data import CellStats, FloatArray, IntArray
from actuarial.model.population import Hyper


@dataclass(frozen=True)
class AlignedHyper:
    """Population parameters laid out on the platforms and months of one income history.

    A platform the fit never saw borrows the average of the fitted platforms (and carries no
    shock); months before the fit's window have no shock; months after it carry the shock's
    AR(1) forecast from the fit's last month.
    """

    m: FloatArray  # (K, P)
    kappa0: FloatArray
    alpha0: FloatArray
    beta0: FloatArray
    stay_a: FloatArray
    stay_b: FloatArray
    enter_a: FloatArray
    enter_b: FloatArray
    effect: FloatArray  # (K, P, T) season + shock over the history's months
    shock: FloatArray  # (K, P, T) the shock alone
    shock_observed: NDArray[np.bool_]  # (T,) months inside the fit's window
    season: FloatArray  # (K, F, 12)
    shock_now_mean: FloatArray  # (K, P) expected shock in the history's last month
    shock_now_sd: FloatArray  # (K, P) its uncertainty (grows with months past the fit)
    rho: FloatArray  # (K,)
    shock_sigma: FloatArray  # (K,)


def align_hyper(
    hyper: Hyper,
    fit_platforms: tuple[str, ...],
    fit_start: int,
    platforms: tuple[str, ...],
    platform_family: IntArray,
    start: int,
    month_of_year: IntArray,
) -> AlignedHyper:
    """Lay `hyper` (fitted on `fit_platforms` from month index `fit_start`) onto a history."""
    n_k = hyper.n_draws
    n_t = int(month_of_year.shape[0])
    fit_t = int(hyper.shock.shape[2])
    known = {p: i for i, p in enumerate(fit_platforms)}
    cols = [known.get(p, -1) for p in platforms]

    def per_platform(arr: FloatArray) -> FloatArray:
        pooled = arr.mean(axis=1)
        return np.stack([arr[:, c] if c >= 0 else pooled for c in cols], axis=1)

    shock = np.zeros((n_k, len(platforms), n_t))
    months = start + np.arange(n_t)
    rel = months - fit_start
    last_fit = np.zeros((n_k, len(platforms)))
    for j, c in enumerate(cols):
        if c < 0:
            continue
        inside = (rel >= 0) & (rel < fit_t)
        shock[:, j, inside] = hyper.shock[:, c, rel[inside]]
        last_fit[:, j] = hyper.shock[:, c, -1]
        after = rel >= fit_t
        gap = rel[after] - fit_t + 1
        shock[:, j, after] = last_fit[:, j, None] * hyper.rho[:, None] ** gap[None, :]
    gap_now = max(int(rel[-1]) - fit_t + 1, 0)
    rho_g = hyper.rho[:, None] ** gap_now
    shock_now_mean = shock[:, :, -1]
    shock_now_sd = np.sqrt(np.maximum(1.0 - rho_g**2, 0.0)) * hyper.shock_sigma[:, None]
    unknown = np.array([c < 0 for c in cols])
    shock_now_sd = np.where(unknown[None, :], 0.0, shock_now_sd)
    season = hyper.season[:, platform_family][:, :, month_of_year]  # (K, P, T)
    return AlignedHyper(
        m=per_platform(hyper.m),
        kappa0=per_platform(hyper.kappa0),
        alpha0=per_platform(hyper.alpha0),
        beta0=per_platform(hyper.beta0),
        stay_a=per_platform(hyper.stay_a),
        stay_b=per_platform(hyper.stay_b),
        enter_a=per_platform(hyper.enter_a),
        enter_b=per_platform(hyper.enter_b),
        effect=season + shock,
        shock=shock,
        shock_observed=(rel >= 0) & (rel < fit_t),
        season=hyper.season,
        shock_now_mean=shock_now_mean,
        shock_now_sd=shock_now_sd,
        rho=hyper.rho,
        shock_sigma=hyper.shock_sigma,
    )


@dataclass(frozen=True)
class CellPosterior:
    """Conjugate posterior parameters of every cell under each of the K draws: (C, K)."""

    mu: FloatArray
    kappa: FloatArray
    alpha: FloatArray
    beta: FloatArray
    stay_a: FloatArray
    stay_b: FloatArray
    enter_a: FloatArray
    enter_b: FloatArray

    def level_interval(self, level: float = 0.9) -> tuple[FloatArray, FloatArray]:
        """Posterior mean and central `level` interval width of each cell's level (C,).

        Mixes the K Student-t marginals of the level; used to compare with full NUTS.
        """
        from scipy import stats

        scale = np.sqrt(self.beta / (self.alpha * self.kappa))
        df = 2.0 * self.alpha
        mean = self.mu.mean(axis=1)
        # Mixture quantiles by bisection on the averaged CDF.
        lo_hi = []
        for q in ((1 - level) / 2, (1 + level) / 2):
            lo = (self.mu - 10 * scale).min(axis=1)
            hi = (self.mu + 10 * scale).max(axis=1)
            for _ in range(60):
                mid = (lo + hi) / 2
                cdf = stats.t.cdf((mid[:, None] - self.mu) / scale, df).mean(axis=1)
                lo = np.where(cdf < q, mid, lo)
                hi = np.where(cdf < q, hi, mid)
            lo_hi.append((lo + hi) / 2)
        return mean, lo_hi[1] - lo_hi[0]


def update(stats: CellStats, hyper: AlignedHyper) -> CellPosterior:
    """The closed-form posterior of every cell under each population draw."""
    plat = stats.platform
    wa = stats.weight_active
    n = wa.sum(axis=1)[:, None]
    sy = (wa * stats.log_y).sum(axis=1)
    syy = (wa * stats.log_y**2).sum(axis=1)
    wy = wa * stats.log_y
    n_k = hyper.m.shape[0]
    s_r = np.empty((stats.n_cells, n_k))
    s_rr = np.empty((stats.n_cells, n_k))
    for k in range(n_k):
        # Residual sums per cell; effects depend on (platform, month) only, so a matrix
        # product per platform would do too, but one gather keeps this readable and cheap.
        e = hyper.effect[k][plat]  # (C, T)
        s_r[:, k] = sy - np.einsum("ct,ct->c", wa, e)
        s_rr[:, k] = syy - 2.0 * np.einsum("ct,ct->c", wy, e) + np.einsum("ct,ct->c", wa, e * e)
    k0, a0, b0, m = (
        hyper.kappa0.T[plat],
        hyper.alpha0.T[plat],
        hyper.beta0.T[plat],
        hyper.m.T[plat],
    )
    kn = k0 + n
    rbar = s_r / np.maximum(n, 1e-12)
    ss = np.maximum(s_rr - s_r * rbar, 0.0)
    mu = (k0 * m + s_r) / kn
    beta = b0 + ss / 2.0 + k0 * n * (rbar - m) ** 2 / (2.0 * kn)
    return CellPosterior(
        mu=mu,
        kappa=kn,
        alpha=a0 + n / 2.0,
        beta=beta,
        stay_a=hyper.stay_a.T[plat] + stats.n_stay[:, None],
        stay_b=hyper.stay_b.T[plat] + stats.n_leave[:, None],
        enter_a=hyper.enter_a.T[plat] + stats.n_enter[:, None],
        enter_b=hyper.enter_b.T[plat] + stats.n_idle[:, None],
    )
