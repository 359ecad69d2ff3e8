"""Stage one: the population-level (hyper)parameters, fitted by NUTS on a sample of workers.

The worker-level parameters are integrated out *analytically*: given the hyperparameters,
each cell's log-amounts have a Normal-Inverse-Gamma marginal likelihood and its on/off
transitions a Beta-Binomial one. The sampler therefore only sees the population parameters
(platform levels and spreads, hurdle means and concentrations, seasonality per family and the
platform-month shocks: about 500 for 10 platforms x 36 months), whatever the number of
workers, which is why a 2,000-worker sample of that shape fits in under a minute on two
cores, compile included (see `bench/population_stage.py`), and why stage two
(`conjugate.py`) is the exact conditional posterior of the same model rather than an
approximation of it.

Model, for cell c = (worker i, platform p, family f) and month t with calendar month m(t):

- activity: a Markov chain, P(active | active last month) = s_c ~ Beta(mean_s[p], conc_s[p]),
  P(active | inactive last month) = e_c ~ Beta(mean_e[p], conc_e[p]);
- log income when active: y = mu_c + season[f, m(t)] + shock[p, t] + eps, eps ~ N(0, v_c),
  with (mu_c, v_c) ~ NIG: v_c ~ InvGamma(alpha0[p], beta0[p]), mu_c | v_c ~ N(m[p], v_c/kappa0[p]);
  integrating v_c out makes the predictive a Student-t: the heavy tail of the log-amount;
- shock[p, .] is a zero-mean AR(1) shared by every worker on the platform (rho, sigma_shock),
  summing to zero over the fit's window (its average is the platform level m[p]);
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
        # is the exact AR(1) density and far cheaper to differentiate than a scan. The
        # shocks sum to zero over the window on each platform: a shift of all of a
        # platform's months is its level m[p], and leaving it to both made a ridge along
        # which the sampler crawled (R-hat 1.08 and 22 effective draws at 250 x 2 draws).
        # The AR(1) density restricted to that subspace needs the variance of the sum of
        # T AR(1) months, sigma^2 (T + 2 sum_k (T - k) rho^k), against the T sigma^2 of the
        # zero-sum base: the last term below.
        shock = pm.ZeroSumNormal("shock", shock_sigma, dims=("platform", "month"))
        innov_sd = shock_sigma * pt.sqrt(1.0 - rho**2)
        innov = shock[:, 1:] - rho * shock[:, :-1]
        ar = pm.logp(pm.Normal.dist(0.0, innov_sd), innov).sum()
        iid = pm.logp(pm.Normal.dist(0.0, shock_sigma), shock[:, 1:]).sum()
        lags = np.arange(1, n_t, dtype=np.float64)
        sum_var = 1.0 + 2.0 * ((n_t - lags) / n_t * rho**lags).sum()
        pm.Potential("shock_ar1", ar - iid + 0.5 * n_platforms * pt.log(sum_var))
        effect = season[fam_local][:, month_of_year] + shock  # (P, T)

        # Per-cell residual sums over the months each cell was active (cells sorted by
        # platform): each active month picks its (platform, month) effect from the
        # flattened effects and adds into its cell's sums. Exact; work in active months,
        # not cells x months x platforms as a product against every platform would be; and
        # a small graph (numba's compile time grows with the graph: a loop over platforms
        # took longer to compile than to sample). The data enter as shared variables, not
        # constants compiled into the code.
        order = np.argsort(plat, kind="stable")
        plat_s = plat[order]
        cell_obs, t_obs = np.nonzero(wa[order] > 0)
        wa_obs = pm.Data("wa", wa[order][cell_obs, t_obs])
        wy_obs = pm.Data("wy", wy[order][cell_obs, t_obs])
        picked = effect.ravel()[pm.Data("obs_effect", plat_s[cell_obs] * n_t + t_obs)]
        into = pm.Data("obs_cell", cell_obs)
        add = pt.inc_subtensor
        zeros = pt.zeros(stats.n_cells)
        s_r = pm.Data("sy", sy[order]) - add(zeros[into], wa_obs * picked)  # type: ignore[no-untyped-call]
        s_rr = pm.Data("syy", syy[order]) + add(  # type: ignore[no-untyped-call]
            zeros[into], picked * (wa_obs * picked - 2.0 * wy_obs)
        )
        sa, sb = stay_mean * stay_conc, (1.0 - stay_mean) * stay_conc
        ea, eb = enter_mean * enter_conc, (1.0 - enter_mean) * enter_conc
        if full:
            back = np.argsort(order)  # to the cells' own order
            p_ = plat
            _explicit_cells(
                stats, kappa0[p_], alpha0[p_], beta0[p_], m[p_], s_r[back], s_rr[back], n_w,
                sa[p_], sb[p_], ea[p_], eb[p_],
            )  # fmt: skip
            return model
        # The marginal likelihood's terms that depend on a cell only through its platform
        # and weighted month count (or its platform alone) are computed once per distinct
        # value and counted: exact, and it spares most of the special functions (gammaln
        # and its gradient, digamma) that dominate the cost of a gradient.
        n_cells = np.bincount(plat, minlength=n_platforms).astype(np.float64)
        n_ws = n_w[order]
        (u_p, u_n), inv, cnt = _distinct(plat_s, n_ws)
        u_kn = kappa0[u_p] + u_n
        u_an = alpha0[u_p] + u_n / 2.0
        per_count = (cnt * (0.5 * pt.log(kappa0[u_p] / u_kn) + pt.gammaln(u_an))).sum()
        per_platform = (n_cells * (alpha0 * pt.log(beta0) - pt.gammaln(alpha0))).sum()
        inv_d = pm.Data("count_index", inv)
        plat_d = pm.Data("cell_platform", plat_s)
        n_wd = pm.Data("cell_weight", n_ws)
        kn, an = u_kn[inv_d], u_an[inv_d]
        k0, b0, mc = kappa0[plat_d], beta0[plat_d], m[plat_d]
        rbar = s_r / n_wd
        ss = pt.maximum(s_rr - s_r * rbar, 0.0)
        bn = b0 + ss / 2.0 + k0 * n_wd * (rbar - mc) ** 2 / (2.0 * kn)
        constant = -0.5 * float(n_w.sum()) * np.log(2.0 * np.pi)
        pm.Potential("amount_loglik", per_count + per_platform - (an * pt.log(bn)).sum() + constant)
        hurdle = _betabinom_counted(sa, sb, n_cells, plat, stats.n_stay, stats.n_leave)
        hurdle += _betabinom_counted(ea, eb, n_cells, plat, stats.n_enter, stats.n_idle)
        pm.Potential("hurdle_loglik", hurdle)
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


def _distinct(*columns: FloatArray | IntArray) -> tuple[list[Any], IntArray, FloatArray]:
    """Distinct rows of `columns`: each column's values, the inverse index, the counts."""
    table = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])
    rows, inv, cnt = np.unique(table, axis=0, return_inverse=True, return_counts=True)
    cols: list[Any] = [rows[:, j] for j in range(rows.shape[1])]
    cols[0] = cols[0].astype(np.int64)  # the platform column indexes parameters
    return cols, np.asarray(inv, dtype=np.int64).ravel(), cnt.astype(np.float64)


def _betabinom_counted(
    a: Any, b: Any, n_cells: FloatArray, plat: IntArray, k: FloatArray, n_minus_k: FloatArray
) -> Any:
    """Sum over cells of the Beta-Binomial log-likelihood, a and b per platform: the
    numerator once per distinct (platform, k, n - k), the normaliser once per platform."""

    def betaln(x: Any, y: Any) -> Any:
        return pt.gammaln(x) + pt.gammaln(y) - pt.gammaln(x + y)

    (u_p, u_k, u_nk), _, cnt = _distinct(plat, k, n_minus_k)
    return (cnt * betaln(a[u_p] + u_k, b[u_p] + u_nk)).sum() - (n_cells * betaln(a, b)).sum()


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
