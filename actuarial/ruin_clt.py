"""Ruin by a conditional central-limit approximation given the common shock.

Given the path of the common shock, members' incomes are independent, so the pool's total
contributions and payouts in a month are sums of many independent terms: close to normal,
with a mean and a variance that are sums over members. Those sums depend on the shock only
through its value that month (and, for the limit on payout months, through one summary of
earlier months), so we evaluate every member on a small Chebyshev grid of shock values,
sum over members once per grid point, and interpolate per scenario. The scenarios then cost
nothing per member: 50,000 shock paths for a 100,000-member pool take seconds.

What it approximates, and the tests check against brute force on a small pool:
- the months a member has already been paid are counted as if the shock had sat at one
  value in the earlier months, the one that gives the pool as many claims as the path did
  (the count depends on the path only weakly);
- a member's flows in different months are treated as independent given the shock (the
  limit on payout months and catch-ups make them slightly negatively correlated, so the
  variance is if anything overstated);
- a deferral is caught up in equal parts over `catchup_months` (exact unless the
  instalment cap bites);
- during a search over rates the spread of contributions is held at the rate of
  `CltPool.set_spread` (pricing resets it at its answer and searches again).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from actuarial.benefits import BenefitLoad
from actuarial.payouts import PoolRules
from actuarial.risk import MemberRisk
from actuarial.ruin import RuinReport, simulate_shock_paths, summarise_paths, tail_tables
from actuarial.ruin_grid import (
    MemberBlock,
    contribution_means,
    contribution_spread,
    eligibility,
    payout_moments,
)

FloatArray = NDArray[np.float64]
_T = TypeVar("_T")
_R = TypeVar("_R")

SPREAD_SAMPLE = 4096
"""Members sampled to estimate the spread of contributions in pools larger than this."""

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
    if nodes.size == 1:
        return np.ones((*x.shape, 1))
    out = np.subtract(x[..., None], nodes)
    # A point exactly on a node would divide by zero; nudging it by a hair changes nothing.
    out[out == 0.0] = 1e-300
    np.divide(weights, out, out=out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


@dataclass(frozen=True)
class _BlockCache:
    block: MemberBlock
    low_cdf: FloatArray
    low_m1: FloatArray
    eligible: FloatArray


def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    """Sum over members of a[m, t, g] * b[m, t, k], as (t, g, k): one small matmul per month."""
    return np.stack([a[:, t, :].T @ b[:, t, :] for t in range(a.shape[1])])


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _map(fn: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
    """Map over blocks, on the machine's cores when there is more than one block: numpy
    releases the GIL inside its loops, so blocks of members price in parallel."""
    workers = _workers()
    if workers == 1 or len(items) < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, items))


class CltPool:
    """A pool's members reduced to sums over members on a grid of common-shock values.

    Building it is the expensive part (once per pool and rules); each contribution rate then
    costs two table look-ups per member, month and grid point. The spread of contributions
    (their variance and covariance with payouts) is computed at one rate at a time with
    `set_spread`; pricing sets it at its current best rate.
    """

    def __init__(
        self,
        risk: MemberRisk,
        rules: PoolRules,
        *,
        months_of_membership: NDArray[np.int64] | None = None,
        payout_months_used: NDArray[np.int64] | None = None,
        n_grid: int = 9,
        block_size: int = 256,
    ) -> None:
        self.risk = risk
        self.rules = rules
        self._lock = threading.Lock()
        self.horizon = min(risk.horizon, rules.horizon_months)
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
        months = np.arange(h)
        jobs = []
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
            jobs.append((block, served, left))
        self.payout_mean = np.zeros((h, g, g))
        self.payout_var = np.zeros((h, g, g))
        self.claims = np.zeros((h, g))
        """Expected number of members with a claim that counts (served), per month and shock."""
        self._cache = _map(lambda job: self._payout_block(*job), jobs)
        # The spread of contributions is a sum of per-member variances: a random sample of
        # members, scaled up, estimates it to within a percent or two, which is ample for a
        # second-order term, and spares a costly pass over every member at every rate.
        self._spread_blocks: list[tuple[_BlockCache, float]] = [(bc, 1.0) for bc in self._cache]
        if n > SPREAD_SAMPLE:
            pick = np.sort(np.random.default_rng(n).choice(n, SPREAD_SAMPLE, replace=False))
            block = MemberBlock(
                log_mu=risk.log_mu[pick, :h],
                log_sigma=risk.log_sigma[pick, :h],
                p_zero=risk.p_zero[pick, :h],
                loading=risk.loading[pick],
                baseline=risk.baseline[pick],
            )
            served = (tenure[pick, None] + months[None, :]) >= rules.waiting_period_months
            left = np.maximum(rules.max_payout_months - used[pick], 0)
            pm = payout_moments(block, rules, self.nodes, self.tables)
            elig = eligibility(pm.q, served, left)
            sample = _BlockCache(block=block, low_cdf=pm.low_cdf, low_m1=pm.low_m1, eligible=elig)
            self._spread_blocks = [(sample, n / SPREAD_SAMPLE)]
        self.spread_rate: float | None = None
        self.paid_var = np.zeros((h, g))
        self.deferred_var = np.zeros((h, g))
        self.paid_x_cov = np.zeros((h, g, g))

    def _payout_block(
        self, block: MemberBlock, served: NDArray[np.bool_], left: NDArray[np.int64]
    ) -> _BlockCache:
        pm = payout_moments(block, self.rules, self.nodes, self.tables)
        elig = eligibility(pm.q, served, left)
        mean = _cross(pm.x1, elig)
        var = _cross(pm.x2, elig) - _cross(pm.x1 * pm.x1, elig * elig)
        claims = np.einsum("mtg,mt->tg", pm.q, served.astype(np.float64))
        with self._lock:
            self.payout_mean += mean
            self.payout_var += var
            self.claims += claims
        return _BlockCache(block=block, low_cdf=pm.low_cdf, low_m1=pm.low_m1, eligible=elig)

    def set_spread(self, rate: float) -> None:
        """Compute the variance of contributions, and their covariance with payouts, at `rate`."""
        h, g = self.horizon, self.nodes.size
        paid_var = np.zeros((h, g))
        deferred_var = np.zeros((h, g))
        cov = np.zeros((h, g, g))

        def one(job: tuple[_BlockCache, float]) -> tuple[FloatArray, FloatArray, FloatArray]:
            bc, weight = job
            cs = contribution_spread(bc.block, self.rules, self.nodes, self.tables, rate)
            return (
                weight * cs.paid_var.sum(axis=0),
                weight * cs.deferred_var.sum(axis=0),
                weight * _cross(cs.paid_x_cov, bc.eligible),
            )

        for pv, dv, cv in _map(one, self._spread_blocks):
            paid_var += pv
            deferred_var += dv
            cov += cv
        self.paid_var, self.deferred_var, self.paid_x_cov = paid_var, deferred_var, cov
        self.spread_rate = rate

    @property
    def sampled(self) -> bool:
        """Whether the spread (and `contribution_sums(sample=True)`) uses a member sample."""
        return bool(self._spread_blocks) and self._spread_blocks[0][1] != 1.0

    def contribution_sums(self, rate: float, sample: bool = False) -> tuple[FloatArray, FloatArray]:
        """Pool totals (h, G) of contributions paid now and deferred, at `rate`.

        With `sample`, estimated from the member sample (scaled up): cheap, for searching.
        """
        paid = np.zeros((self.horizon, self.nodes.size))
        deferred = np.zeros_like(paid)
        jobs = self._spread_blocks if sample else [(bc, 1.0) for bc in self._cache]

        def one(job: tuple[_BlockCache, float]) -> tuple[FloatArray, FloatArray]:
            bc, weight = job
            p, d = contribution_means(
                bc.block, self.rules, self.nodes, self.tables, rate, bc.low_cdf, bc.low_m1
            )
            return weight * p.sum(axis=0), weight * d.sum(axis=0)

        for p, d in _map(one, jobs):
            paid += p
            deferred += d
        return paid, deferred


class CltScenarios:
    """Common-shock scenarios for a `CltPool`, with common random numbers across rates."""

    def __init__(
        self,
        pool: CltPool,
        reserve: float,
        n_scenarios: int = 50_000,
        seed: int = 0,
        benefits: BenefitLoad | None = None,
    ) -> None:
        self.pool = pool
        self.reserve = reserve
        self.benefits = benefits or BenefitLoad()
        rng = np.random.default_rng(seed)
        h = pool.horizon
        z = simulate_shock_paths(pool.risk.shock, h, n_scenarios, rng)
        self.noise = rng.standard_normal((n_scenarios, h))
        hw = pool.half_width
        z = np.clip(z, -hw, hw)
        zbar = self._claims_equivalent_shock(z)
        # Month-major (h, S, G), so that each month's weights are one contiguous matrix.
        self.wz = barycentric_weights(np.ascontiguousarray(z.T), pool.nodes, pool.bary)
        self.wb = barycentric_weights(np.ascontiguousarray(zbar.T), pool.nodes, pool.bary)
        # Benefit claims (independent of income shocks) are paid out beside the smoothing
        # payouts; the tiers' contributions come in beside the income-based ones.
        self.payout = self._pair(pool.payout_mean) + self.benefits.claims_mean
        self.payout_var = self._pair(pool.payout_var) + self.benefits.claims_var
        self._spread_rate: float | None = None
        self._exact: dict[float, tuple[FloatArray, FloatArray]] = {}
        self._sampled: dict[float, tuple[FloatArray, FloatArray]] = {}
        self._ratio_ref: float | None = None

    def _claims_equivalent_shock(self, z: FloatArray) -> FloatArray:
        """For each scenario and month, the constant shock that would have produced as many
        claims in the earlier months as the scenario's path did (for the whole pool).

        Counting a member's past payout months as if the shock had sat at one value is the
        method's one path approximation; choosing the value that matches the pool's expected
        claims, rather than the plain average of the shock, removes most of its bias
        (claims rise faster in a deep trough than they fall in a boom).
        """
        pool = self.pool
        h = z.shape[1]
        out = np.zeros_like(z)
        if pool.nodes.size == 1 or h < 2:
            return out
        hw = pool.half_width
        fine = np.linspace(-hw, hw, 401)
        w_fine = barycentric_weights(fine, pool.nodes, pool.bary)
        claims_fine = np.cumsum(w_fine @ pool.claims.T, axis=1)  # (401, h): months 0..t
        wz = barycentric_weights(z, pool.nodes, pool.bary)
        claims_path = np.cumsum(np.einsum("stg,tg->st", wz, pool.claims), axis=1)
        for t in range(1, h):
            curve = claims_fine[:, t - 1]
            # Fewer claims as the shock rises; force monotone for the inversion.
            curve = np.minimum.accumulate(curve)
            if curve[0] - curve[-1] <= 1e-12 * max(abs(curve[0]), 1.0):
                out[:, t] = np.mean(z[:, :t], axis=1)
                continue
            out[:, t] = np.interp(claims_path[:, t - 1], curve[::-1], fine[::-1])
        return out

    def exact_sums(self, rate: float) -> tuple[FloatArray, FloatArray]:
        """Contribution totals over every member at `rate` (memoised)."""
        if rate not in self._exact:
            self._exact[rate] = self.pool.contribution_sums(rate)
        return self._exact[rate]

    def _sample_sums(self, rate: float) -> tuple[FloatArray, FloatArray]:
        if rate not in self._sampled:
            self._sampled[rate] = self.pool.contribution_sums(rate, sample=True)
        return self._sampled[rate]

    def use_ratio(self, ref: float | None) -> None:
        """Search mode: contributions at any rate from the member sample, scaled by the ratio
        of exact to sampled totals at `ref` (a ratio estimator, exact at `ref`); `None`
        returns to exact totals everywhere."""
        self._ratio_ref = ref if (ref is not None and self.pool.sampled) else None

    def sums(self, rate: float) -> tuple[FloatArray, FloatArray]:
        """Contribution totals (h, G) at `rate`, exact or by the ratio estimator."""
        ref = self._ratio_ref
        if ref is None or rate == ref or rate in self._exact:
            return self.exact_sums(rate)
        exact, base, here = self.exact_sums(ref), self._sample_sums(ref), self._sample_sums(rate)
        out = []
        for e, b, x in zip(exact, base, here, strict=True):
            ratio = np.divide(e, b, out=np.ones_like(e), where=b > 0.0)
            out.append(ratio * x)
        return out[0], out[1]

    def _pair(self, table: FloatArray) -> FloatArray:
        """Interpolate an (h, G, G) table at each scenario's (z_t, running mean of z)."""
        # einsum, not BLAS: tall, thin products are faster without OpenBLAS threads.
        tmp = np.einsum("tsg,tgk->tsk", self.wz, table)
        return np.asarray(np.einsum("tsk,tsk->st", tmp, self.wb))

    def _single(self, table: FloatArray) -> FloatArray:
        """Interpolate an (h, G) table at each scenario's z_t."""
        return np.asarray(np.einsum("tsg,tg->st", self.wz, table))

    def _spread(self) -> None:
        """Rate-independent parts of each scenario's path, refreshed when the pool's spread
        changes: the noise term and the reserve path before contributions."""
        pool = self.pool
        if pool.spread_rate is None:
            pool.set_spread(pool.rules.contribution_rate)
        if self._spread_rate == pool.spread_rate:
            return
        deferred_var = self._single(pool.deferred_var)
        k = pool.rules.catchup_months
        h = deferred_var.shape[1]
        catchup_var = np.zeros_like(deferred_var)
        for j in range(1, min(k, h - 1) + 1):
            catchup_var[:, j:] += deferred_var[:, :-j] / (k * k)
        var = (
            self._single(pool.paid_var)
            + catchup_var
            + self.payout_var
            - 2.0 * self._pair(pool.paid_x_cov)
        )
        self.sd = np.sqrt(np.maximum(var, 0.0))
        self.wobble = self.sd * self.noise
        self.before_contributions = self.reserve + np.cumsum(self.wobble - self.payout, axis=1)
        self._spread_rate = pool.spread_rate

    def expected_contributions(self, rate: float) -> FloatArray:
        """Given each scenario's shock path, expected contributions received each month
        (paid now plus catch-ups of earlier deferrals), (n_scenarios, h)."""
        paid_sum, deferred_sum = self.sums(rate)
        contributions = self._single(paid_sum)
        deferred = self._single(deferred_sum)
        k = self.pool.rules.catchup_months
        h = contributions.shape[1]
        for j in range(1, min(k, h - 1) + 1):
            contributions[:, j:] += deferred[:, :-j] / k
        return contributions + self.benefits.premiums

    def conditional_moments(self, rate: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Given each scenario's shock path: mean and standard deviation of the monthly net
        flow, and expected contributions (catch-ups included), all (n_scenarios, h)."""
        self._spread()
        contributions = self.expected_contributions(rate)
        return contributions - self.payout, self.sd, contributions

    def flows(self, rate: float) -> tuple[FloatArray, FloatArray]:
        """Per-scenario net flows and expected contributions (n_scenarios, h) at `rate`."""
        self._spread()
        contributions = self.expected_contributions(rate)
        return contributions - self.payout + self.wobble, contributions

    def ruin_probability(self, rate: float) -> float:
        """Share of scenarios in which the reserve falls below zero in some month."""
        self._spread()
        reserve = np.cumsum(self.expected_contributions(rate), axis=1)
        reserve += self.before_contributions
        return float((reserve.min(axis=1) < 0.0).mean())

    def report(self, rate: float) -> RuinReport:
        net, contributions = self.flows(rate)
        return summarise_paths(rate, self.reserve, net, contributions, self.payout, "clt")
