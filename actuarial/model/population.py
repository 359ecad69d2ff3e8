"""Stage one: the population-level (hyper)parameters, fitted by NUTS on a sample of workers.

The worker-level parameters are integrated out *analytically*: given the hyperparameters,
each cell's log-amounts have a Normal-Inverse-Gamma marginal likelihood and its on/off
transitions a Beta-Binomial one. The sampler therefore only sees a few dozen parameters
(platform levels and spreads, hurdle means and concentrations, seasonality per family and the
platform-month shocks), which is why a 2,000-worker sample fits in seconds, and why stage two
(`conjugate.py`) is the exact conditional posterior of the same model rather than an
approximation of it.

Model, for cell c = (worker i, platform p, family f) and month t with calendar month m(t):

- activity: a Markov chain, P(active | active last month) = s_c ~ Beta(mean_s[p], conc_s[p]),
  P(active | inactive last month) = e_c ~ Beta(mean_e[p], conc_e[p]);
- log income when active: y = mu_c + season[f, m(t)] + shock[p, t] + eps, eps ~ N(0, v_c),
  with (mu_c, v_c) ~ NIG: v_c ~ InvGamma(alpha0[p], beta0[p]), mu_c | v_c ~ N(m[p], v_c/kappa0[p]);
  integrating v_c out makes the predictive a Student-t: the heavy tail of the log-amount;
- shock[p, .] is a zero-mean AR(1) shared by every worker on the platform (rho, sigma_shock);
- platform levels m[p] are pooled towards a global level; season sums to zero per family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from actuarial.model.data import CellStats, FloatArray, IntArray
from actuarial.platforms import FAMILIES


@dataclass(frozen=True)
class Hyper:
    """K posterior draws of the population parameters (arrays lead with the draw axis)."""

    m: FloatArray  # (K, P) platform level of centred log income
    kappa0: FloatArray  # (K, P) prior "months" of evidence on a worker's level
    alpha0: FloatArray  # (K, P) InvGamma shape of a worker's noise variance (> 1)
    beta0: FloatArray  # (K, P) InvGamma scale
    stay_a: FloatArray  # (K, P) Beta prior of P(active | active)
    stay_b: FloatArray
    enter_a: FloatArray  # (K, P) Beta prior of P(active | inactive)
    enter_b: FloatArray
    season: FloatArray  # (K, len(FAMILIES), 12) log seasonal effect, January first
    shock: FloatArray  # (K, P, T_fit) platform-month log shocks over the fit's months
    rho: FloatArray  # (K,) AR(1) coefficient of the shocks
    shock_sigma: FloatArray  # (K,) stationary sd of the shocks

    @property
    def n_draws(self) -> int:
        return int(self.m.shape[0])

    def arrays(self) -> dict[str, FloatArray]:
        return {k: np.asarray(v) for k, v in self.__dict__.items()}


def build_population_model(
    stats: CellStats,
    n_platforms: int,
    platform_family: IntArray,
    month_of_year: IntArray,
    full: bool = False,
) -> pm.Model:
    """The stage-one PyMC model on `stats` (the sample's cells), worker levels integrated out.

    `platform_family[p]` indexes `FAMILIES`; `month_of_year[t]` is 0 for January. With
    `full`, the same model with every cell's parameters sampled explicitly (centred) instead
    of integrated out: the reference the two-stage posterior is checked against, on small
    data only (it is what does not scale).
    """
    n_t = int(month_of_year.shape[0])
    fams = np.unique(platform_family)
    fam_local = np.searchsorted(fams, platform_family)
    coords = {
        "platform": np.arange(n_platforms),
        "family": [FAMILIES[f] for f in fams],
        "moy": np.arange(12),
        "month": np.arange(n_t),
    }
    plat = stats.platform
    wa = stats.weight_active
    n_w = wa.sum(axis=1)
    sy = (wa * stats.log_y).sum(axis=1)
    syy = (wa * stats.log_y**2).sum(axis=1)
    wy = wa * stats.log_y
    with pm.Model(coords=coords) as model:
        # Amount level, pooled across platforms.
        # Platform levels, seasons and shocks are informed by thousands of worker-months
        # each, so they are centred (non-centring them slowed sampling several-fold).
        m_global = pm.Normal("m_global", 0.0, 1.0)
        m_sd = pm.HalfNormal("m_sd", 0.5)
        m = pm.Normal("m", m_global, m_sd, dims="platform")
        tau = pm.LogNormal("tau", np.log(0.6), 0.5, dims="platform")  # spread of worker levels
        noise = pm.LogNormal("noise", np.log(0.25), 0.5, dims="platform")  # typical noise sd
        # Shape above 1 keeps the prior mean of the variance finite: no absurd forecasts.
        alpha_extra = pm.LogNormal("alpha_extra", np.log(2.0), 0.6, dims="platform")
        alpha0 = 1.0 + alpha_extra
        beta0 = alpha_extra * noise**2  # prior mean of the variance = noise**2
        kappa0 = noise**2 / tau**2
        # Hurdle: persistence of on and off spells.
        stay_mean = pm.Beta("stay_mean", 8.0, 1.5, dims="platform")
        stay_conc = pm.LogNormal("stay_conc", np.log(15.0), 1.0, dims="platform")
        enter_mean = pm.Beta("enter_mean", 2.0, 5.0, dims="platform")
        enter_conc = pm.LogNormal("enter_conc", np.log(5.0), 1.0, dims="platform")
        # Seasonality per family and AR(1) platform shocks.
        season_sd = pm.HalfNormal("season_sd", 0.15)
        season = pm.ZeroSumNormal("season", season_sd, dims=("family", "moy"))
        rho = pm.Beta("rho", 4.0, 2.0)
        shock_sigma = pm.HalfNormal("shock_sigma", 0.15)
        # Centred AR(1): a Normal(0, sigma) base plus the AR correction as a potential, which
        # is the exact AR(1) density and far cheaper to differentiate than a scan.
        shock = pm.Normal("shock", 0.0, shock_sigma, dims=("platform", "month"))
        innov_sd = shock_sigma * pt.sqrt(1.0 - rho**2)
        innov = shock[:, 1:] - rho * shock[:, :-1]
        ar = pm.logp(pm.Normal.dist(0.0, innov_sd), innov).sum()
        iid = pm.logp(pm.Normal.dist(0.0, shock_sigma), shock[:, 1:]).sum()
        pm.Potential("shock_ar1", ar - iid)
        effect = season[fam_local][:, month_of_year] + shock  # (P, T)

        # Per-cell residual sums. Effects depend on (platform, month) only, so the sums are
        # matrix products picked per cell's platform: much cheaper to differentiate than a
        # gather of a (cells x months) array.
        onehot = np.eye(n_platforms)[plat]
        s_r = sy - ((wa @ effect.T) * onehot).sum(axis=1)
        s_rr = (
            syy
            - 2.0 * ((wy @ effect.T) * onehot).sum(axis=1)
            + ((wa @ (effect**2).T) * onehot).sum(axis=1)
        )
        k0, a0, b0, mc = kappa0[plat], alpha0[plat], beta0[plat], m[plat]
        sa, sb = stay_mean * stay_conc, (1.0 - stay_mean) * stay_conc
        ea, eb = enter_mean * enter_conc, (1.0 - enter_mean) * enter_conc
        if full:
            _explicit_cells(
                stats, k0, a0, b0, mc, s_r, s_rr, n_w, sa[plat], sb[plat], ea[plat], eb[plat]
            )
            return model
        kn = k0 + n_w
        an = a0 + n_w / 2.0
        rbar = s_r / n_w
        ss = pt.maximum(s_rr - s_r * rbar, 0.0)
        bn = b0 + ss / 2.0 + k0 * n_w * (rbar - mc) ** 2 / (2.0 * kn)
        nig = (
            0.5 * pt.log(k0 / kn)
            + a0 * pt.log(b0)
            - an * pt.log(bn)
            + pt.gammaln(an)
            - pt.gammaln(a0)
            - 0.5 * n_w * np.log(2.0 * np.pi)
        )
        pm.Potential("amount_loglik", nig.sum())

        hurdle = _betabinom(sa[plat], sb[plat], stats.n_stay, stats.n_leave) + _betabinom(
            ea[plat], eb[plat], stats.n_enter, stats.n_idle
        )
        pm.Potential("hurdle_loglik", hurdle.sum())
    return model


def _explicit_cells(
    stats: CellStats,
    k0: Any,
    a0: Any,
    b0: Any,
    mc: Any,
    s_r: Any,
    s_rr: Any,
    n_w: FloatArray,
    sa: Any,
    sb: Any,
    ea: Any,
    eb: Any,
) -> None:
    """Cell-level parameters as explicit random variables, with the same (weighted) data."""
    n_c = stats.n_cells
    var = pm.InverseGamma("cell_var", alpha=a0, beta=b0, shape=n_c)
    mu = pm.Normal("cell_mu", mc, pt.sqrt(var / k0), shape=n_c)
    # Weighted Gaussian log-likelihood from the residual sums: sum w (r - mu)^2 expanded.
    sq = s_rr - 2.0 * mu * s_r + n_w * mu**2
    pm.Potential(
        "amount_loglik",
        (-0.5 * n_w * pt.log(2.0 * np.pi * var) - 0.5 * sq / var).sum(),
    )
    stay = pm.Beta("cell_stay", sa, sb, shape=n_c)
    enter = pm.Beta("cell_enter", ea, eb, shape=n_c)
    pm.Potential(
        "hurdle_loglik",
        (
            stats.n_stay * pt.log(stay)
            + stats.n_leave * pt.log1p(-stay)
            + stats.n_enter * pt.log(enter)
            + stats.n_idle * pt.log1p(-enter)
        ).sum(),
    )


def _betabinom(a: Any, b: Any, k: FloatArray, n_minus_k: FloatArray) -> Any:
    """Beta-Binomial log-likelihood of (possibly weighted) success/failure counts."""

    def betaln(x: Any, y: Any) -> Any:
        return pt.gammaln(x) + pt.gammaln(y) - pt.gammaln(x + y)

    return betaln(a + k, b + n_minus_k) - betaln(a, b)


def hyper_from_posterior(
    posterior: Any,
    platform_family: IntArray,
    n_months: int,
    n_draws: int,
) -> Hyper:
    """Thin the posterior to `n_draws` evenly spaced draws and derive the model's quantities.

    Works from the sampled (free) variables only, so it accepts a real nutpie trace and a
    mocked one alike.
    """

    def get(name: str) -> FloatArray:
        arr = np.asarray(posterior[name].values, dtype=np.float64)
        return arr.reshape((-1, *arr.shape[2:]))

    total = get("m_global").shape[0]
    pick = np.unique(np.linspace(0, total - 1, min(n_draws, total)).round().astype(np.int64))

    def take(name: str) -> FloatArray:
        return get(name)[pick]

    m = take("m")
    tau, noise, alpha_extra = take("tau"), take("noise"), take("alpha_extra")
    stay_mean, stay_conc = take("stay_mean"), take("stay_conc")
    enter_mean, enter_conc = take("enter_mean"), take("enter_conc")
    fams = np.unique(platform_family)
    season = np.zeros((pick.size, len(FAMILIES), 12))
    season[:, fams, :] = take("season")
    rho, sigma = take("rho"), take("shock_sigma")
    shock = take("shock")
    return Hyper(
        m=m,
        kappa0=noise**2 / tau**2,
        alpha0=1.0 + alpha_extra,
        beta0=alpha_extra * noise**2,
        stay_a=stay_mean * stay_conc,
        stay_b=(1.0 - stay_mean) * stay_conc,
        enter_a=enter_mean * enter_conc,
        enter_b=(1.0 - enter_mean) * enter_conc,
        season=season,
        shock=shock,
        rho=rho,
        shock_sigma=sigma,
    )
