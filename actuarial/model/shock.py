"""The pool-wide common shock, read off the fitted platform-month effects.

Pricing describes systemic risk with one factor: a zero-mean AR(1) log shock Z_t to which
member i is exposed with loading L_i (see `actuarial.risk.MemberRisk`). The income model has
one shock per platform; the pool's factor is their income-weighted average over the months
the fit observed, so correlated downturns (a whole family of platforms slowing together)
show up in its size while independent ones partly diversify away:

- sigma: root mean square of Z over the observed months (shocks have mean zero by model),
  averaged over the posterior draws;
- rho: the model's posterior mean AR(1) coefficient (better determined than the
  autocorrelation of a couple of dozen months);
- loading: each platform's regression coefficient on Z, averaged over the member's platforms
  by their share of the member's recent income.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from actuarial.model.conjugate import AlignedHyper
from actuarial.model.data import CellStats, FloatArray


@dataclass(frozen=True)
class ShockSummary:
    sigma: float
    rho: float
    platform_beta: FloatArray  # (P,)
    loading: FloatArray  # (n,)


def common_shock_summary(hyper: AlignedHyper, stats: CellStats, n_workers: int) -> ShockSummary:
    n_p = hyper.shock.shape[1]
    weight = np.bincount(stats.platform, weights=stats.income_share, minlength=n_p)
    weight = weight / max(weight.sum(), 1e-12)
    seen = hyper.shock[:, :, hyper.shock_observed]  # (K, P, T_obs)
    if seen.shape[2] < 2:
        return ShockSummary(0.0, 0.0, np.zeros(n_p), np.zeros(n_workers))
    z = np.einsum("p,kpt->kt", weight, seen)
    var_z = np.maximum((z**2).mean(axis=1), 1e-12)  # (K,)
    beta = (np.einsum("kpt,kt->kp", seen, z) / seen.shape[2] / var_z[:, None]).mean(axis=0)
    loading = np.zeros(n_workers)
    np.add.at(loading, stats.worker, stats.income_share * beta[stats.platform])
    return ShockSummary(
        sigma=float(np.sqrt(var_z).mean()),
        rho=float(np.clip(hyper.rho.mean(), 0.0, 0.95)),
        platform_beta=beta,
        loading=np.clip(loading, 0.0, 2.0),
    )
