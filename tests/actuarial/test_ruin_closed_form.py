"""The ruin estimator against closed-form answers for a Gaussian random walk.

Without common shocks, the fast estimator's reserve is a random walk with normal monthly
steps, whose probability of ever dipping below zero within the horizon is known: by the
reflection principle for Brownian motion, corrected for monthly rather than continuous
checks (Broadie, Glasserman and Kou's shift of the barrier by 0.5826 standard deviations),
and exactly by integrating the walk's density month by month. The estimate must match
both within its Monte Carlo error.

The brute-force estimator is held to the compound binomial model, the discrete-time
analogue of Cramér-Lundberg, whose finite-horizon ruin probability is computed exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from actuarial.payouts import PoolRules
from actuarial.risk import CommonShock, MemberRisk
from actuarial.ruin_clt import CltPool, CltScenarios
from actuarial.ruin_mc import simulate_pool

BGK_SHIFT = 0.5826  # -zeta(1/2) / sqrt(2 pi)


def reflection_ruin(r0: float, mu: float, sd: float, months: int) -> float:
    """P(min of R0 + drift + Brownian motion < 0 before `months`), monitored monthly."""
    b = r0 + BGK_SHIFT * sd
    s = sd * np.sqrt(months)
    return float(
        stats.norm.cdf((-b - mu * months) / s)
        + np.exp(-2.0 * mu * b / sd**2) * stats.norm.cdf((-b + mu * months) / s)
    )


def exact_walk_ruin(r0: float, mu: float, sd: float, months: int, n: int = 8001) -> float:
    """The same probability for the discrete walk, by carrying its surviving density forward."""
    top = r0 + abs(mu) * months + 9.0 * sd * np.sqrt(months)
    x = np.linspace(0.0, top, n)
    dx = x[1] - x[0]
    dens = stats.norm.pdf(x, r0 + mu, sd)
    half = int(9.0 * sd / dx)
    k = np.arange(-half, half + 1) * dx
    kernel = stats.norm.pdf(k, mu, sd) * dx
    for _ in range(months - 1):
        full = np.convolve(dens, kernel, mode="full")
        xs = x[0] + k[0] + np.arange(full.size) * dx
        dens = np.interp(x, xs, full, left=0.0, right=0.0)
    return float(1.0 - dens.sum() * dx)


def test_closed_forms_agree_with_each_other() -> None:
    # The reference itself: a 12-step walk, checked against brute force once.
    rng = np.random.default_rng(0)
    walk = 3.0 + np.cumsum(rng.normal(0.2, 1.0, (200_000, 12)), axis=1)
    brute = float((walk.min(axis=1) < 0).mean())
    exact = exact_walk_ruin(3.0, 0.2, 1.0, 12)
    assert exact == pytest.approx(brute, abs=4 * np.sqrt(brute * (1 - brute) / 200_000))
    assert reflection_ruin(3.0, 0.2, 1.0, 12) == pytest.approx(exact, rel=0.03)


def _steady_pool(n: int) -> tuple[MemberRisk, PoolRules]:
    """Members alike month after month, no shock, no relief, no binding limits: the pool's
    net flow is the same normal step every month."""
    rng = np.random.default_rng(3)
    h = 12
    level = rng.normal(np.log(1_800.0), 0.3, n)
    risk = MemberRisk(
        baseline=np.exp(level),
        log_mu=np.repeat(level[:, None], h, axis=1),
        log_sigma=np.full((n, h), 0.45),
        p_zero=np.full((n, h), 0.04),
        loading=np.ones(n),
        df=6.0,
        shock=CommonShock(sigma=0.0, rho=0.0),
    )
    rules = PoolRules(
        relief_share=0.0, max_payout_months=12, waiting_period_months=0, max_contribution=500.0
    )
    return risk, rules


@pytest.mark.parametrize("reserve_in_sd", [1.0, 2.5])
def test_estimator_matches_random_walk_ruin(reserve_in_sd: float) -> None:
    risk, rules = _steady_pool(60)
    rate = 0.072
    pool = CltPool(risk, rules)
    pool.set_spread(rate)
    probe = CltScenarios(pool, reserve=0.0, n_scenarios=10, seed=0)
    mean, sd, _ = probe.conditional_moments(rate)
    mu, sigma = float(mean[0, 0]), float(sd[0, 0])
    np.testing.assert_allclose(mean, mu, rtol=1e-9)
    np.testing.assert_allclose(sd, sigma, rtol=1e-9)
    assert mu > 0.0  # a sound pool drifts upwards; ruin comes from its wobble

    reserve = reserve_in_sd * sigma
    report = CltScenarios(pool, reserve=reserve, n_scenarios=50_000, seed=11).report(rate)
    exact = exact_walk_ruin(reserve, mu, sigma, 12)
    closed = reflection_ruin(reserve, mu, sigma, 12)
    se = report.standard_error
    assert 0.01 < exact < 0.6
    assert abs(report.ruin_probability - exact) <= 3 * se + 1e-3
    # The closed form carries its own ~2% discretisation error on top.
    assert abs(report.ruin_probability - closed) <= 3 * se + 0.03 * closed
    # The fan chart of a normal walk: the median reserve grows by the drift each month.
    median = report.reserve_quantiles[report.fan_levels.index(0.5)]
    np.testing.assert_allclose(median, reserve + mu * np.arange(1, 13), atol=4 * sigma / 50)


def compound_binomial_ruin(
    reserve: float, premium: float, claim: float, n: int, q: float, months: int
) -> float:
    """Exact ruin probability of the compound binomial model (the discrete-time analogue of
    Cramér-Lundberg): each month `premium` comes in and `claim` goes out for each of
    Binomial(n, q) claims; ruin when the reserve falls below zero at a month's end."""
    pmf = stats.binom.pmf(np.arange(n + 1), n, q)
    alive = np.zeros(n * months + 1)
    alive[0] = 1.0  # probability of each cumulative claim count, among paths not yet ruined
    for t in range(1, months + 1):
        alive = np.convolve(alive, pmf)[: n * months + 1]
        counts = np.arange(alive.size)
        alive[reserve + t * premium - counts * claim < 0.0] = 0.0
    return float(1.0 - alive.sum())


def test_brute_force_matches_compound_binomial_ruin() -> None:
    """Members who either earn far above their baseline or nothing at all: every month the
    pool receives the maximum contribution from the earners and the minimum from the
    others, and pays the others a fixed payout. That is the compound binomial model."""
    n, q, h = 40, 0.15, 12
    rules = PoolRules(
        contribution_rate=0.05,
        min_contribution=5.0,
        max_contribution=200.0,
        replacement_rate=0.5,
        deductible_share=0.1,
        monthly_cap=1_000.0,
        max_payout_months=12,
        waiting_period_months=0,
        relief_share=0.0,
    )
    risk = MemberRisk(
        baseline=np.full(n, 2_000.0),
        log_mu=np.full((n, h), np.log(1e6)),
        log_sigma=np.full((n, h), 0.01),
        p_zero=np.full((n, h), q),
        loading=np.zeros(n),
        df=5.0,
        shock=CommonShock(sigma=0.0, rho=0.0),
    )
    payout = min(rules.monthly_cap, rules.replacement_rate * 2_000.0 * 0.9)  # 900
    claim = payout + rules.max_contribution - rules.min_contribution  # lost premium too
    premium = n * rules.max_contribution
    reserve = 2_000.0
    exact = compound_binomial_ruin(reserve, premium, claim, n, q, h)
    assert 0.02 < exact < 0.5
    mc = simulate_pool(risk, rules, 0.05, reserve, n_scenarios=20_000, seed=4)
    assert abs(mc.ruin_probability - exact) <= 3 * mc.standard_error
