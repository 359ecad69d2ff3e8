"""Ruin by a conditional central-limit approximation given the common shock.

Given the path of the common shock, members' incomes are independent, so the pool's total
contributions and payouts in a month are sums of many independent terms: close to normal,
with a mean and a variance that are sums over members. Those sums depend on the shock only
through its value that month (and, for the limit on payout months, through its average in
earlier months), so we evaluate every member on a small Chebyshev grid of shock values,
sum over members once per grid point, and interpolate per scenario. The scenarios then cost
nothing per member: 50,000 shock paths for a 100,000-member pool take seconds.

What it approximates, and the tests check against brute force on a small pool:
- the months a member has already been paid are counted as if the shock had sat at its
  running average (the count depends on the path only weakly);
- a member's flows in different months are treated as independent given the shock (the
  limit on payout months and catch-ups make them slightly negatively correlated, so the
  variance is if anything overstated);
- a deferral is caught up in equal parts over `catchup_months` (exact unless the
  instalment cap bites);
- during a search over rates the variance of contributions is rescaled from a reference
  rate; `CltPool.report` at a rate recomputes nothing approximate beyond the above when
  the reference is that rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from actuarial.payouts import PoolRules
from actuarial.risk import MemberRisk
from actuarial.ruin import RuinReport, simulate_shock_paths, summarise_paths, tail_tables
from actuarial.ruin_grid import (
    MemberBlock,
    contribution_means,
    eligibility,
    payout_moments,
)

FloatArray = NDArray[np.float64]

GRID_SPAN = 5.5
"""Half-width of the shock grid in stationary standard deviations; scenarios beyond are clipped."""


def chebyshev_nodes(n: int, half_width: float) -> tuple[FloatArray, FloatArray]:
    """Chebyshev points (first kind) on [-half_width, half_width], with barycentric weights."""
    k = np.arange(n)
    theta = (2 * k + 1) * np.pi / (2 * n)
    nodes = half_width * np.cos(theta)
    weights = np.where(k % 2 == 0, 1.0, -1.0) * np.sin(theta)
    return nodes, weights


def barycentric_weights(x: FloatArray, nodes: FloatArray, weights: FloatArray) -> FloatArray:
    """Interpolation weights (..., n) so that f(x) ~ weights @ f(nodes)."""
    d = x[..., None] - nodes
    exact = d == 0.0
    d = np.where(exact, 1.0, d)
    raw = weights / d
    raw = np.where(exact.any(axis=-1, keepdims=True), exact.astype(np.float64), raw)
    return np.asarray(raw / raw.sum(axis=-1, keepdims=True))


@dataclass(frozen=True)
class _BlockCache:
    block: MemberBlock
    low_cdf: FloatArray
    low_m1: FloatArray


class CltPool:
    """A pool's members reduced to sums over members on a grid of common-shock values.

    Building it is the expensive part (once per pool and rules); each contribution rate then
    costs two table look-ups per member, month and grid point.
    """

    def __init__(
        self,
        risk: MemberRisk,
        rules: PoolRules,
        *,
        months_of_membership: NDArray[np.int64] | None = None,
        payout_months_used: NDArray[np.int64] | None = None,
        rate_ref: float | None = None,
        n_grid: int = 9,
        block_size: int = 2048,
    ) -> None:
        self.risk = risk
        self.rules = rules
        self.horizon = min(risk.horizon, rules.horizon_months)
        self.rate_ref = rules.contribution_rate if rate_ref is None else rate_ref
        self.tables = tail_tables(float(risk.df))
        spread = risk.shock.sigma * float(np.max(np.abs(risk.loading), initial=0.0))
        self.half_width = GRID_SPAN * risk.shock.sigma
        if spread < 1e-9:
            n_grid, self.half_width = 1, 0.0
        self.nodes, self.bary = chebyshev_nodes(n_grid, self.half_width)
        n = risk.n_members
        tenure = (
            np.zeros(n, dtype=np.int64) if months_of_membership is None else months_of_membership
        )
        used = np.zeros(n, dtype=np.int64) if payout_months_used is None else payout_months_used
        h, g = self.horizon, n_grid
        self.payout_mean = np.zeros((h, g, g))
        self.payout_var = np.zeros((h, g, g))
        self.paid_x_cov = np.zeros((h, g, g))
        self.paid_var = np.zeros((h, g))
        self.deferred_var = np.zeros((h, g))
        self._cache: list[_BlockCache] = []
        months = np.arange(h)
        for start in range(0, n, block_size):
            sl = slice(start, min(start + block_size, n))
            block = MemberBlock(
                log_mu=risk.log_mu[sl, :h],
                log_sigma=risk.log_sigma[sl, :h],
                p_zero=risk.p_zero[sl, :h],
                loading=risk.loading[sl],
                baseline=risk.baseline[sl],
            )
            served = (tenure[sl, None] + months[None, :]) >= rules.waiting_period_months
            left = np.maximum(rules.max_payout_months - used[sl], 0)
            self._add_block(block, served, left)

    def _add_block(
        self, block: MemberBlock, served: NDArray[np.bool_], left: NDArray[np.int64]
    ) -> None:
        pm = payout_moments(block, self.rules, self.nodes, self.tables, self.rate_ref)
        elig = eligibility(pm.q, served, left)
        for t in range(self.horizon):
            f = elig[:, t, :]
            self.payout_mean[t] += pm.x1[:, t, :].T @ f
            self.payout_var[t] += pm.x2[:, t, :].T @ f - (pm.x1[:, t, :] ** 2).T @ (f * f)
            self.paid_x_cov[t] += pm.paid_x_cov[:, t, :].T @ f
        self.paid_var += pm.paid_var.sum(axis=0)
        self.deferred_var += pm.deferred_var.sum(axis=0)
        self._cache.append(_BlockCache(block=block, low_cdf=pm.low_cdf, low_m1=pm.low_m1))

    def contribution_sums(self, rate: float) -> tuple[FloatArray, FloatArray]:
        """Pool totals (h, G) of contributions paid now and deferred, at `rate`."""
        paid = np.zeros((self.horizon, self.nodes.size))
        deferred = np.zeros_like(paid)
        for bc in self._cache:
            p, d = contribution_means(
                bc.block, self.rules, self.nodes, self.tables, rate, bc.low_cdf, bc.low_m1
            )
            paid += p.sum(axis=0)
            deferred += d.sum(axis=0)
        return paid, deferred


class CltScenarios:
    """Common-shock scenarios for a `CltPool`, with common random numbers across rates."""

    def __init__(
        self, pool: CltPool, reserve: float, n_scenarios: int = 50_000, seed: int = 0
    ) -> None:
        self.pool = pool
        self.reserve = reserve
        rng = np.random.default_rng(seed)
        h = pool.horizon
        z = simulate_shock_paths(pool.risk.shock, h, n_scenarios, rng)
        self.noise = rng.standard_normal((n_scenarios, h))
        hw = pool.half_width
        z = np.clip(z, -hw, hw)
        zbar = np.zeros_like(z)
        zbar[:, 1:] = np.cumsum(z, axis=1)[:, :-1] / np.arange(1, h)
        wz = barycentric_weights(z, pool.nodes, pool.bary)
        wb = barycentric_weights(zbar, pool.nodes, pool.bary)
        self.wz = wz
        s = n_scenarios
        self.payout = np.empty((s, h))
        self.payout_var = np.empty((s, h))
        self.cov = np.empty((s, h))
        for t in range(h):
            a, b = wz[:, t, :], wb[:, t, :]
            self.payout[:, t] = np.einsum("sg,gk,sk->s", a, pool.payout_mean[t], b)
            self.payout_var[:, t] = np.einsum("sg,gk,sk->s", a, pool.payout_var[t], b)
            self.cov[:, t] = np.einsum("sg,gk,sk->s", a, pool.paid_x_cov[t], b)
        self.paid_var = np.einsum("stg,tg->st", wz, pool.paid_var)
        self.deferred_var = np.einsum("stg,tg->st", wz, pool.deferred_var)
        self._sums: dict[float, tuple[FloatArray, FloatArray]] = {}

    def _flows(self, rate: float) -> tuple[FloatArray, FloatArray]:
        """Per-scenario net flows and expected contributions (n_scenarios, h) at `rate`."""
        if rate not in self._sums:
            self._sums[rate] = self.pool.contribution_sums(rate)
        paid_sum, deferred_sum = self._sums[rate]
        paid = np.einsum("stg,tg->st", self.wz, paid_sum)
        deferred = np.einsum("stg,tg->st", self.wz, deferred_sum)
        k = self.pool.rules.catchup_months
        h = paid.shape[1]
        catchup = np.zeros_like(paid)
        deferred_var = np.zeros_like(paid)
        for j in range(1, min(k, h - 1) + 1):
            catchup[:, j:] += deferred[:, :-j] / k
            deferred_var[:, j:] += self.deferred_var[:, :-j] / (k * k)
        scale = rate / self.pool.rate_ref if self.pool.rate_ref > 0.0 else 1.0
        var = (
            scale * scale * (self.paid_var + deferred_var)
            + self.payout_var
            - 2.0 * scale * self.cov
        )
        contributions = paid + catchup
        net = contributions - self.payout + np.sqrt(np.maximum(var, 0.0)) * self.noise
        return net, contributions

    def ruin_probability(self, rate: float) -> float:
        net, _ = self._flows(rate)
        reserve = self.reserve + np.cumsum(net, axis=1)
        return float((reserve.min(axis=1) < 0.0).mean())

    def report(self, rate: float) -> RuinReport:
        net, contributions = self._flows(rate)
        return summarise_paths(rate, self.reserve, net, contributions, self.payout, "clt")
