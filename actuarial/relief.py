"""Contribution relief: a low month's contribution reduced or deferred, and then caught up.

A member whose income falls below a share of their baseline should not also have to find
their full contribution that month. The pool's rules relieve a share of it; part of the
relieved amount may be forgiven outright, and the rest is deferred and caught up in equal
instalments over the following months. No instalment exceeds the pool's cap: when the cap
bites, the schedule simply runs longer, so the member always repays exactly what was
deferred and never more in one month than the rules allow.

Everything is deterministic and explained by stable codes, because a worker who is asked
to pay a catch-up must be able to see where it came from. Pricing accounts for relief (the
deferred money arrives later, the forgiven money never) through `catchup_instalment`, the
same function the simulations use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actuarial.payouts import PoolRules

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class ReliefReason(StrEnum):
    """Why a contribution was or was not relieved: stable codes for the message catalogs."""

    NOT_LOW_MONTH = "not_low_month"
    """Income was at or above the relief threshold; the contribution is due in full."""
    LOW_MONTH = "low_month"
    """Income fell below the relief threshold; part of the contribution is relieved."""
    NO_RELIEF_IN_RULES = "no_relief_in_rules"
    """The month was low but the pool's rules relieve nothing."""


_REASONS: tuple[ReliefReason, ...] = tuple(ReliefReason)
_NOT_LOW, _LOW, _NONE_IN_RULES = range(3)


def is_low_month(baseline: ArrayLike, income: ArrayLike, rules: PoolRules) -> BoolArray:
    """Months whose income is below the relief threshold (a share of the baseline)."""
    b = np.asarray(baseline, dtype=np.float64)
    y = np.asarray(income, dtype=np.float64)
    return np.asarray(y < rules.relief_trigger_share * b, dtype=np.bool_)


def relief_split(
    contribution: ArrayLike, low: ArrayLike, rules: PoolRules
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Split each contribution into (paid now, forgiven, deferred), all non-negative.

    The three parts always add up to the contribution.
    """
    c = np.asarray(contribution, dtype=np.float64)
    relieved = np.where(np.asarray(low, dtype=np.bool_), c * rules.relief_share, 0.0)
    forgiven = relieved * rules.relief_waive_share
    deferred = relieved - forgiven
    return c - relieved, forgiven, deferred


def instalment_size(deferred: ArrayLike, rules: PoolRules) -> FloatArray:
    """The regular catch-up instalment: an equal share over the catch-up months, capped."""
    d = np.maximum(np.asarray(deferred, dtype=np.float64), 0.0)
    a = np.minimum(d / rules.catchup_months, rules.catchup_cap)
    # An amount too small to split (it underflows) is caught up in one go.
    return np.where((a == 0.0) & (d > 0.0), d, a)


def catchup_instalment(
    deferred: ArrayLike, months_after: ArrayLike, rules: PoolRules
) -> FloatArray:
    """What a deferral made `months_after` months ago asks for this month (vectorised).

    Instalment j (j = 1 the month after the deferral) is the regular size while anything
    remains, and the remainder the last time; zero before and after the schedule.
    """
    d = np.maximum(np.asarray(deferred, dtype=np.float64), 0.0)
    j = np.asarray(months_after, dtype=np.float64)
    a = instalment_size(d, rules)
    remaining = d - (j - 1.0) * a
    # Rounding dust after the last instalment is not a further instalment.
    remaining = np.where(remaining > 1e-9 * d, remaining, 0.0)
    return np.where(j >= 1.0, np.minimum(a, remaining), 0.0)


def catchup_schedule(deferred: float, rules: PoolRules) -> tuple[float, ...]:
    """The full catch-up schedule of one deferral, month by month from the next month.

    Equal instalments over `catchup_months`, each at most `catchup_cap`; the schedule runs
    longer when the cap bites. The last instalment takes the remainder, so the schedule sums
    to the deferred amount.
    """
    if deferred <= 0.0:
        return ()
    a = float(instalment_size(deferred, rules))
    months = max(1, math.ceil(deferred / a - 1e-9))
    parts = [a] * (months - 1)
    parts.append(deferred - a * (months - 1))
    return tuple(parts)


@dataclass(frozen=True)
class ReliefFactors:
    """One member's relief decision and what explains it."""

    baseline: float
    income: float
    threshold: float
    """Income below which the month counts as low."""
    contribution: float
    """Contribution due before relief."""
    paid_now: float
    forgiven: float
    deferred: float
    reason: str
    """A `ReliefReason` code."""
    catchup: tuple[float, ...]
    """Instalments of the deferral, from next month."""

    def as_dict(self) -> dict[str, float | str | list[float]]:
        """Plain data for storage beside the contribution and for the message templates."""
        return {
            "baseline": self.baseline,
            "income": self.income,
            "threshold": self.threshold,
            "contribution": self.contribution,
            "paid_now": self.paid_now,
            "forgiven": self.forgiven,
            "deferred": self.deferred,
            "reason": self.reason,
            "catchup": list(self.catchup),
        }


@dataclass(frozen=True)
class ReliefBatch:
    """A month's relief decisions for many members, as aligned arrays."""

    baseline: FloatArray
    income: FloatArray
    contribution: FloatArray
    paid_now: FloatArray
    forgiven: FloatArray
    deferred: FloatArray
    reason_code: NDArray[np.int8]
    rules: PoolRules

    @property
    def reasons(self) -> list[str]:
        return [_REASONS[int(c)].value for c in self.reason_code]

    def factors(self, i: int) -> ReliefFactors:
        """Member i's decision with its explanation and catch-up schedule."""
        return ReliefFactors(
            baseline=float(self.baseline[i]),
            income=float(self.income[i]),
            threshold=float(self.baseline[i]) * self.rules.relief_trigger_share,
            contribution=float(self.contribution[i]),
            paid_now=float(self.paid_now[i]),
            forgiven=float(self.forgiven[i]),
            deferred=float(self.deferred[i]),
            reason=_REASONS[int(self.reason_code[i])].value,
            catchup=catchup_schedule(float(self.deferred[i]), self.rules),
        )


def decide_relief(
    baseline: ArrayLike,
    income: ArrayLike,
    rules: PoolRules,
    rate: float | None = None,
) -> ReliefBatch:
    """The month's contributions for a set of members, with relief applied by rule.

    `rate` overrides the rules' contribution rate (pricing tries several). Catch-up
    instalments from earlier deferrals are not included: they are due whatever this
    month's income (see `catchup_instalment`).
    """
    b = np.atleast_1d(np.asarray(baseline, dtype=np.float64))
    y = np.atleast_1d(np.asarray(income, dtype=np.float64))
    b, y = (np.array(a) for a in np.broadcast_arrays(b, y))
    c = rules.contribution(y, rate)
    low = is_low_month(b, y, rules)
    paid, forgiven, deferred = relief_split(c, low, rules)
    code = np.full(b.shape, _NOT_LOW, dtype=np.int8)
    code[low] = _LOW if rules.relief_share > 0.0 else _NONE_IN_RULES
    return ReliefBatch(
        baseline=b,
        income=y,
        contribution=c,
        paid_now=paid,
        forgiven=forgiven,
        deferred=deferred,
        reason_code=code,
        rules=rules,
    )
