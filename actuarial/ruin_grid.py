"""Each member's expected payout and contribution given the common shock, in closed form.

Given the common shock `z`, a member's income in a month is zero with probability `p`, else
`Y = exp(w + s*e)` with `w = log_mu + loading * z` and `e` a truncated Student-t. The payout
and the contribution are piecewise-linear in `Y`:

    X = r * ((K - Y)+ - (Kc - Y)+)            K = baseline * (1 - deductible), Kc = K - cap / r
    C = cmax - rho * (b2 - Y)+ + rho * (b1 - Y)+   b1 = cmin / rho, b2 = cmax / rho

and relief applies below `c = trigger * baseline`. So every first and second moment we need
(of the contribution paid now, the deferred part, the payout, and their products) is a
combination of `P(Y < m)`, `E[Y; Y < m]`, `E[Y^2; Y < m]` at the smallest of a few of these
thresholds, which the `TailTables` answer by interpolation. No member's income is ever
sampled: this is what lets a 100,000-member pool be priced in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from actuarial.payouts import PoolRules
from actuarial.ruin import TailTables

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_MIN_SIGMA = 0.01


@dataclass(frozen=True)
class MemberBlock:
    """A block of members' predictive parameters; arrays are (m, h) or (m,)."""

    log_mu: FloatArray
    log_sigma: FloatArray
    p_zero: FloatArray
    loading: FloatArray
    baseline: FloatArray


@dataclass(frozen=True)
class Moments:
    """Partial moments (P(Y<m), E[Y;Y<m], E[Y^2;Y<m]) of active-month income at a threshold."""

    m0: FloatArray
    m1: FloatArray
    m2: FloatArray | None
    value: FloatArray
    """The threshold itself (broadcastable)."""


class _Lookup:
    """Interpolates the tail tables for one block at a given shock grid.

    Position in the table is `log(b) * A - W` with per-member-month `A` and a per-point `W`
    computed once, and the tables store each value beside its step to the next, so a
    look-up is one subtraction, one gather and a multiply-add per moment.
    """

    def __init__(self, block: MemberBlock, z: FloatArray, tables: TailTables) -> None:
        self.tables = tables
        sigma = np.clip(block.log_sigma, _MIN_SIGMA, tables.s_max / 2.0)
        self.scale_a = (1.0 / (sigma * tables.du))[:, :, None]
        w = block.log_mu[:, :, None] + block.loading[:, None, None] * z[None, None, :]
        w *= self.scale_a
        w += tables.u0 / tables.du
        self.shift = w
        self.neg_sdu = (-sigma * tables.du)[:, :, None]
        row1 = np.rint(sigma / tables.ds).astype(np.intp)
        row2 = np.rint(2.0 * sigma / tables.ds).astype(np.intp)
        self.off1 = (row1 * tables.n_u)[:, :, None]
        self.off2 = (row2 * tables.n_u)[:, :, None]

    def at(self, b: FloatArray | float, second: bool = True) -> Moments:
        """Partial moments below threshold `b` (non-positive thresholds give zeros)."""
        t = self.tables
        b_arr = np.asarray(b, dtype=np.float64)
        logb = np.log(np.maximum(b_arr, 1e-300))
        pos = logb * self.scale_a - self.shift
        top = t.n_u - 1 - 1e-9
        pc = np.clip(pos, 0.0, top)
        # Above the truncation the partial moments stop growing: b * exp(-s (u - T)) is the
        # whole truncated mean's scale exp(w + s T).
        pos -= pc
        np.maximum(pos, 0.0, out=pos)
        pos *= self.neg_sdu
        pos += logb
        scale = np.exp(pos, out=pos)
        j = pc.astype(np.intp)
        f = pc - j
        cf = t.cdf2[j]
        m0 = cf.real + f * cf.imag
        hv = t.h2[j + self.off1]
        m1 = scale * (hv.real + f * hv.imag)
        m2 = None
        if second:
            gv = t.h2[j + self.off2]
            m2 = (scale * scale) * (gv.real + f * gv.imag)
        return Moments(m0=m0, m1=m1, m2=m2, value=b_arr)


class _Minima:
    """Partial moments at the elementwise smallest of several thresholds, memoised.

    Which threshold is smallest is a property of the member, not of the shock, but the
    selection still costs a pass over the block; memoising keeps each pair to one pass.
    """

    def __init__(self, **named: Moments) -> None:
        self._named = named
        self._memo: dict[tuple[str, ...], Moments] = {}

    def __call__(self, *names: str) -> Moments:
        key = tuple(sorted(set(names)))
        if key in self._memo:
            return self._memo[key]
        if len(key) == 1:
            found = self._named[key[0]]
        else:
            cur, nxt = self(*key[:-1]), self._named[key[-1]]
            lower = nxt.value < cur.value
            m2 = None
            if cur.m2 is not None and nxt.m2 is not None:
                m2 = np.where(lower, nxt.m2, cur.m2)
            found = Moments(
                m0=np.where(lower, nxt.m0, cur.m0),
                m1=np.where(lower, nxt.m1, cur.m1),
                m2=m2,
                value=np.minimum(nxt.value, cur.value),
            )
        self._memo[key] = found
        return found

    def ramp(self, a: str, *below: str) -> FloatArray:
        """E[(a - Y)+ ; Y < every threshold in `below`]."""
        m = self(a, *below)
        return np.asarray(self._named[a].value * m.m0 - m.m1)

    def ramp2(self, a: str, b: str, *below: str) -> FloatArray:
        """E[(a - Y)+ (b - Y)+ ; Y < every threshold in `below`]."""
        m = self(a, b, *below)
        assert m.m2 is not None
        va, vb = self._named[a].value, self._named[b].value
        return np.asarray((va * vb) * m.m0 - (va + vb) * m.m1 + m.m2)


@dataclass(frozen=True)
class Thresholds:
    """The rule thresholds of a block, broadcastable to (m, h, G)."""

    k: FloatArray
    kc: FloatArray
    c: FloatArray
    payout_at_zero: FloatArray

    @staticmethod
    def of(block: MemberBlock, rules: PoolRules) -> Thresholds:
        b = np.maximum(block.baseline, 0.0)[:, None, None]
        k = b * (1.0 - rules.deductible_share)
        if rules.replacement_rate > 0.0:
            kc = np.maximum(k - rules.monthly_cap / rules.replacement_rate, 0.0)
        else:
            kc = k
        return Thresholds(
            k=k,
            kc=kc,
            c=b * rules.relief_trigger_share,
            payout_at_zero=rules.replacement_rate * (k - kc),
        )


_MIN_RATE = 1e-6
"""Rates below this are treated as this: a zero rate has no finite income thresholds."""


def _contribution_bounds(rules: PoolRules, rate: float) -> tuple[float, float, float]:
    """The incomes at which the contribution reaches its minimum and maximum, and the rate."""
    r = max(rate, _MIN_RATE)
    return rules.min_contribution / r, rules.max_contribution / r, r


@dataclass(frozen=True)
class PayoutMoments:
    """Per member, month and shock value, what does not depend on the contribution rate."""

    q: FloatArray
    """P(income below the claim threshold), before eligibility."""
    x1: FloatArray
    """Expected payout due (before eligibility)."""
    x2: FloatArray
    """Expected square of the payout due."""
    low_cdf: FloatArray
    """P(Y < c | active), reused by every contribution pass."""
    low_m1: FloatArray
    """E[Y; Y < c | active], reused by every contribution pass."""


def payout_moments(
    block: MemberBlock, rules: PoolRules, z: FloatArray, tables: TailTables
) -> PayoutMoments:
    """The payout side of a block on the shock grid, once per pool and rules."""
    lk = _Lookup(block, z, tables)
    th = Thresholds.of(block, rules)
    p = block.p_zero[:, :, None]
    act = 1.0 - p
    r = rules.replacement_rate
    mins = _Minima(k=lk.at(th.k), kc=lk.at(th.kc))
    mc = lk.at(th.c, second=False)
    x0 = th.payout_at_zero
    q = act * mins("k").m0 + p * (th.k > 0.0)
    ex = r * (mins.ramp("k") - mins.ramp("kc"))
    ex2 = (r * r) * (mins.ramp2("k", "k") - 2.0 * mins.ramp2("k", "kc") + mins.ramp2("kc", "kc"))
    return PayoutMoments(
        q=np.asarray(q),
        x1=np.asarray(act * ex + p * x0),
        x2=np.asarray(act * ex2 + p * (x0 * x0)),
        low_cdf=mc.m0,
        low_m1=mc.m1,
    )


@dataclass(frozen=True)
class ContributionSpread:
    """Per member, month and shock value: the second moments of contributions at one rate."""

    paid_var: FloatArray
    """Variance of the contribution paid now."""
    paid_x_cov: FloatArray
    """Covariance of the contribution paid now with the payout due (negative: a low month
    pays less in and draws more out)."""
    deferred_var: FloatArray
    """Variance of the amount deferred."""


def contribution_spread(
    block: MemberBlock, rules: PoolRules, z: FloatArray, tables: TailTables, rate: float
) -> ContributionSpread:
    """Second moments of a block's contributions at `rate` (the costly pass; once or twice)."""
    lk = _Lookup(block, z, tables)
    th = Thresholds.of(block, rules)
    p = block.p_zero[:, :, None]
    act = 1.0 - p
    r = rules.replacement_rate
    b1v, b2v, rho = _contribution_bounds(rules, rate)
    mc = lk.at(th.c)
    mins = _Minima(k=lk.at(th.k), kc=lk.at(th.kc), c=mc, b1=lk.at(b1v), b2=lk.at(b2v))
    cmin, cmax = rules.min_contribution, rules.max_contribution

    def ec(*below: str) -> FloatArray:
        base = cmax * mc.m0 if below else cmax
        return np.asarray(base - rho * mins.ramp("b2", *below) + rho * mins.ramp("b1", *below))

    def ec2(*below: str) -> FloatArray:
        base = cmax * cmax * mc.m0 if below else cmax * cmax
        return np.asarray(
            base
            + (rho * rho) * (mins.ramp2("b2", "b2", *below) + mins.ramp2("b1", "b1", *below))
            - (2.0 * cmax * rho) * (mins.ramp("b2", *below) - mins.ramp("b1", *below))
            - (2.0 * rho * rho) * mins.ramp2("b1", "b2", *below)
        )

    def ecx(*below: str) -> FloatArray:
        return np.asarray(
            r
            * (
                cmax * (mins.ramp("k", *below) - mins.ramp("kc", *below))
                - rho * (mins.ramp2("b2", "k", *below) - mins.ramp2("b2", "kc", *below))
                + rho * (mins.ramp2("b1", "k", *below) - mins.ramp2("b1", "kc", *below))
            )
        )

    rs = rules.relief_share
    g = rs * (1.0 - rules.relief_waive_share)
    low_at_zero = (th.c > 0.0).astype(np.float64)
    x0 = th.payout_at_zero
    ec_low = ec("c")
    ec2_low = ec2("c")
    ex = r * (mins.ramp("k") - mins.ramp("kc"))
    paid0 = cmin * (1.0 - rs * low_at_zero)
    d0 = g * cmin * low_at_zero
    paid1 = act * (ec() - rs * ec_low) + p * paid0
    paid2 = act * (ec2() - (2.0 * rs - rs * rs) * ec2_low) + p * (paid0 * paid0)
    paidx = act * (ecx() - rs * ecx("c")) + p * (paid0 * x0)
    x1 = act * ex + p * x0
    d1 = act * (g * ec_low) + p * d0
    d2 = act * ((g * g) * ec2_low) + p * (d0 * d0)
    return ContributionSpread(
        paid_var=np.maximum(paid2 - paid1 * paid1, 0.0),
        paid_x_cov=np.asarray(paidx - paid1 * x1),
        deferred_var=np.maximum(d2 - d1 * d1, 0.0),
    )


def contribution_means(
    block: MemberBlock,
    rules: PoolRules,
    z: FloatArray,
    tables: TailTables,
    rate: float,
    low_cdf: FloatArray,
    low_m1: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Expected contribution paid now and deferred, per member, month and shock value.

    Only the two contribution bounds move with the rate; what sits at the relief threshold
    (`low_cdf`, `low_m1` from `payout_moments`) is reused, so a pricing search costs two
    table look-ups per point and rate.
    """
    lk = _Lookup(block, z, tables)
    th = Thresholds.of(block, rules)
    p = block.p_zero[:, :, None]
    act = 1.0 - p
    b1v, b2v, rho = _contribution_bounds(rules, rate)
    m1_, m2_ = lk.at(b1v, second=False), lk.at(b2v, second=False)
    cmin, cmax = rules.min_contribution, rules.max_contribution
    c = th.c
    c_m0, c_m1 = low_cdf, low_m1

    def ramp_below_c(m: Moments) -> FloatArray:
        # E[(b - Y)+; Y < c]: below c when b <= c, else (b - c) P(Y<c) + E[(c - Y)+].
        inside = m.value * m.m0 - m.m1
        outside = (m.value - c) * c_m0 + (c * c_m0 - c_m1)
        return np.asarray(np.where(m.value <= c, inside, outside))

    ec_all = cmax - rho * (m2_.value * m2_.m0 - m2_.m1) + rho * (m1_.value * m1_.m0 - m1_.m1)
    ec_low = cmax * c_m0 - rho * ramp_below_c(m2_) + rho * ramp_below_c(m1_)
    rs = rules.relief_share
    g = rs * (1.0 - rules.relief_waive_share)
    low_at_zero = (c > 0.0).astype(np.float64)
    paid = act * (ec_all - rs * ec_low) + p * cmin * (1.0 - rs * low_at_zero)
    deferred = act * g * ec_low + p * g * cmin * low_at_zero
    return np.asarray(paid), np.asarray(deferred)


def eligibility(q: FloatArray, served: NDArray[np.bool_], months_left: IntArray) -> FloatArray:
    """P(member may still be paid in month t | the shock sat at `zbar` in every earlier month).

    q is (m, h, G) claim probabilities on the shock grid; a month counts against the member
    only when it was paid (served and under the limit). Returns (m, h, G).
    """
    m, h, g = q.shape
    kmax = int(months_left.max(initial=0))
    out = np.zeros((m, h, g))
    if kmax == 0:
        return out
    # state[k] = P(k payout months used so far), k < kmax; mass at the limit is dropped.
    state = np.zeros((kmax, m, g))
    state[0] = 1.0
    limit = months_left[:, None]
    ks = np.arange(kmax)[:, None, None]
    alive = ks < limit[None, :, :]
    state *= alive
    for t in range(h):
        out[:, t, :] = np.where(served[:, t, None], state.sum(axis=0), 0.0)
        qt = np.where(served[:, t, None], q[:, t, :], 0.0)[None, :, :]
        moved = state * qt
        state = state - moved
        state[1:] += moved[:-1]
        state *= alive
    return out
