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
from actuarial.ruin import TAIL_BOUND, TailTables

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
    """Interpolates the tail tables for one block at a given shock grid."""

    def __init__(self, block: MemberBlock, z: FloatArray, tables: TailTables) -> None:
        self.tables = tables
        sigma = np.clip(block.log_sigma, _MIN_SIGMA, tables.s_max / 2.0)
        self.sigma = sigma[:, :, None]
        self.inv_sigma = 1.0 / self.sigma
        self.w = block.log_mu[:, :, None] + block.loading[:, None, None] * z[None, None, :]
        row1 = np.rint(sigma / tables.ds).astype(np.int64)
        row2 = np.rint(2.0 * sigma / tables.ds).astype(np.int64)
        self.off1 = (row1 * tables.n_u)[:, :, None]
        self.off2 = (row2 * tables.n_u)[:, :, None]

    def at(self, b: FloatArray | float, second: bool = True) -> Moments:
        """Partial moments below threshold `b` (non-positive thresholds give zeros)."""
        t = self.tables
        b_arr = np.asarray(b, dtype=np.float64)
        with np.errstate(divide="ignore"):
            logb = np.log(np.maximum(b_arr, 0.0))
        u = (logb - self.w) * self.inv_sigma
        over = np.maximum(u - TAIL_BOUND, 0.0)
        pos = (np.clip(u, -TAIL_BOUND, TAIL_BOUND) - t.u0) * (1.0 / t.du)
        j = np.minimum(pos.astype(np.int64), t.n_u - 2)
        f = pos - j
        c0 = t.cdf[j]
        m0 = c0 + f * (t.cdf[j + 1] - c0)
        # b * exp(-s * (u - T)+) is exp(w + s*T) above the bound: the whole (truncated) mean.
        scale = np.exp(logb - self.sigma * over)
        i1 = self.off1 + j
        h0 = t.h[i1]
        m1 = scale * (h0 + f * (t.h[i1 + 1] - h0))
        m2 = None
        if second:
            i2 = self.off2 + j
            g0 = t.h[i2]
            m2 = scale * scale * (g0 + f * (t.h[i2 + 1] - g0))
        return Moments(m0=m0, m1=m1, m2=m2, value=b_arr)


def _lowest(*ms: Moments) -> Moments:
    """Partial moments at the elementwise smallest of several thresholds."""
    cur = ms[0]
    for nxt in ms[1:]:
        lower = nxt.value < cur.value
        m2 = None
        if cur.m2 is not None and nxt.m2 is not None:
            m2 = np.where(lower, nxt.m2, cur.m2)
        cur = Moments(
            m0=np.where(lower, nxt.m0, cur.m0),
            m1=np.where(lower, nxt.m1, cur.m1),
            m2=m2,
            value=np.minimum(nxt.value, cur.value),
        )
    return cur


def _ramp(a: Moments, below: Moments | None = None) -> FloatArray:
    """E[(a - Y)+ ; Y < below]."""
    m = a if below is None else _lowest(a, below)
    return np.asarray(a.value * m.m0 - m.m1)


def _ramp2(a: Moments, b: Moments, below: Moments | None = None) -> FloatArray:
    """E[(a - Y)+ (b - Y)+ ; Y < below]."""
    m = _lowest(a, b) if below is None else _lowest(a, b, below)
    assert m.m2 is not None
    return np.asarray(a.value * b.value * m.m0 - (a.value + b.value) * m.m1 + m.m2)


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


def _contribution_bounds(rules: PoolRules, rate: float) -> tuple[float, float]:
    r = max(rate, 1e-9)
    return rules.min_contribution / r, rules.max_contribution / r


@dataclass(frozen=True)
class PayoutMoments:
    """Per member, month and shock value: claim probability and payout/contribution moments."""

    q: FloatArray
    """P(a payout is due before eligibility), i.e. income below K."""
    x1: FloatArray
    x2: FloatArray
    paid_var: FloatArray
    """Variance of the contribution paid now, at the reference rate."""
    paid_x_cov: FloatArray
    """Covariance of contribution paid now and payout due, at the reference rate."""
    deferred_var: FloatArray
    low_cdf: FloatArray
    """P(Y < c | active): kept so that contribution passes need not look it up again."""
    low_m1: FloatArray
    """E[Y; Y < c | active]."""


def payout_moments(
    block: MemberBlock, rules: PoolRules, z: FloatArray, tables: TailTables, rate_ref: float
) -> PayoutMoments:
    """Everything about a block that does not change with the contribution rate (and the
    second moments of contributions at `rate_ref`, which pricing rescales)."""
    lk = _Lookup(block, z, tables)
    th = Thresholds.of(block, rules)
    p = block.p_zero[:, :, None]
    act = 1.0 - p
    r = rules.replacement_rate
    mk, mkc, mc = lk.at(th.k), lk.at(th.kc), lk.at(th.c)
    b1v, b2v = _contribution_bounds(rules, rate_ref)
    m1_, m2_ = lk.at(b1v), lk.at(b2v)
    cmin, cmax, rho = rules.min_contribution, rules.max_contribution, rate_ref

    low_at_zero = (th.c > 0.0).astype(np.float64)
    x0 = th.payout_at_zero
    q = act * mk.m0 + p * (th.k > 0.0)
    ex = r * (_ramp(mk) - _ramp(mkc))
    ex2 = r * r * (_ramp2(mk, mk) - 2.0 * _ramp2(mk, mkc) + _ramp2(mkc, mkc))
    x1 = act * ex + p * x0
    x2 = act * ex2 + p * x0 * x0

    def ec(below: Moments | None) -> FloatArray:
        base = cmax if below is None else cmax * below.m0
        return np.asarray(base - rho * _ramp(m2_, below) + rho * _ramp(m1_, below))

    def ec2(below: Moments | None) -> FloatArray:
        base = cmax * cmax if below is None else cmax * cmax * below.m0
        return np.asarray(
            base
            + rho * rho * (_ramp2(m2_, m2_, below) + _ramp2(m1_, m1_, below))
            - 2.0 * cmax * rho * (_ramp(m2_, below) - _ramp(m1_, below))
            - 2.0 * rho * rho * _ramp2(m1_, m2_, below)
        )

    def ecx(below: Moments | None) -> FloatArray:
        return np.asarray(
            r
            * (
                cmax * (_ramp(mk, below) - _ramp(mkc, below))
                - rho * (_ramp2(m2_, mk, below) - _ramp2(m2_, mkc, below))
                + rho * (_ramp2(m1_, mk, below) - _ramp2(m1_, mkc, below))
            )
        )

    rs = rules.relief_share
    g = rs * (1.0 - rules.relief_waive_share)
    paid1_act = ec(None) - rs * ec(mc)
    paid2_act = ec2(None) - (2.0 * rs - rs * rs) * ec2(mc)
    paidx_act = ecx(None) - rs * ecx(mc)
    d1_act = g * ec(mc)
    d2_act = g * g * ec2(mc)
    paid0 = cmin * (1.0 - rs * low_at_zero)
    d0 = g * cmin * low_at_zero
    paid1 = act * paid1_act + p * paid0
    paid2 = act * paid2_act + p * paid0 * paid0
    paidx = act * paidx_act + p * paid0 * x0
    d1 = act * d1_act + p * d0
    d2 = act * d2_act + p * d0 * d0
    return PayoutMoments(
        q=q,
        x1=x1,
        x2=x2,
        paid_var=np.maximum(paid2 - paid1 * paid1, 0.0),
        paid_x_cov=paidx - paid1 * x1,
        deferred_var=np.maximum(d2 - d1 * d1, 0.0),
        low_cdf=mc.m0,
        low_m1=mc.m1,
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
    b1v, b2v = _contribution_bounds(rules, rate)
    m1_, m2_ = lk.at(b1v, second=False), lk.at(b2v, second=False)
    cmin, cmax, rho = rules.min_contribution, rules.max_contribution, rate
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
