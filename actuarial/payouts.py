"""The pool's rules and the smoothing payout a member receives in a low month.

A payout replaces a share of the member's shortfall below their baseline, after a
deductible, up to a monthly cap; a member must have served a waiting period and may draw
only so many payout months in any 12. When the reserve cannot pay every due payout in
full, all of that month's payouts are scaled down by the same pro-rata factor, so no member
is paid ahead of another.

Every decision comes back with the factors that produced it (baseline, income, shortfall,
deductible, rate, whether the cap bit, why the member was or was not eligible, the pro-rata
factor), so the service can store them with the payout and explain it to the worker in
their own language. Reasons are stable string codes, never sentences: wording belongs to
the message catalogs.

Amounts are in currency units (floats); the service turns them into integer minor units at
its boundary, rounding down so that the rounded payouts still fit in the reserve.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class PoolRules:
    """A pool's contribution, payout and relief rules, with the defaults a new co-op starts from.

    Amounts are in the pool's currency units. The defaults describe a modest pool: members
    pay a few percent of each month's income, bounded so that the contribution is never
    trivial nor crushing, and receive half of a drop of more than 10% below their baseline
    for at most three months in any twelve.
    """

    contribution_rate: float = 0.04
    """Share of the month's income paid into the pool (before the min/max bounds).

    This is the figure pricing solves for; the value here is a starting point.
    """
    min_contribution: float = 5.0
    """Smallest monthly contribution, so that every member carries some of the pool."""
    max_contribution: float = 200.0
    """Largest monthly contribution, so that high earners are not priced out."""
    replacement_rate: float = 0.5
    """Share of the shortfall beyond the deductible that the payout replaces.

    Half, so that members keep a reason to find work in a low month.
    """
    deductible_share: float = 0.10
    """Part of the baseline a member absorbs before any payout: ordinary wobble is not a claim."""
    monthly_cap: float = 1000.0
    """Largest payout to one member in one month, whatever the shortfall."""
    max_payout_months: int = 3
    """Most months with a payout in any rolling 12, so a permanent drop is not an annuity."""
    waiting_period_months: int = 3
    """Months of membership before the first payout, so nobody joins only on the eve of a loss."""
    target_ruin_probability: float = 0.005
    """Acceptable probability that the reserve cannot pay in full within the horizon.

    0.5% over a year, in the spirit of a 99.5% one-year solvency standard.
    """
    horizon_months: int = 12
    """Months over which the ruin probability is measured."""
    relief_trigger_share: float = 0.6
    """A month is low, and its contribution may be relieved, below this share of the baseline."""
    relief_share: float = 1.0
    """Share of a low month's contribution that is relieved."""
    relief_waive_share: float = 0.0
    """Share of the relieved amount that is forgiven; the rest is deferred and caught up."""
    catchup_months: int = 3
    """Months over which a deferred contribution is caught up, starting the next month."""
    catchup_cap: float = 200.0
    """Largest catch-up instalment per deferral per month; a longer schedule takes the rest."""

    def __post_init__(self) -> None:
        """Refuse rules that would make payouts or prices meaningless rather than fail later."""
        checks: list[tuple[bool, str]] = [
            (0.0 <= self.contribution_rate <= 1.0, "contribution_rate must be in [0, 1]"),
            (self.min_contribution >= 0.0, "min_contribution must be >= 0"),
            (
                self.max_contribution >= self.min_contribution,
                "max_contribution must be >= min_contribution",
            ),
            (0.0 <= self.replacement_rate <= 1.0, "replacement_rate must be in [0, 1]"),
            (0.0 <= self.deductible_share < 1.0, "deductible_share must be in [0, 1)"),
            (self.monthly_cap >= 0.0, "monthly_cap must be >= 0"),
            (self.max_payout_months >= 0, "max_payout_months must be >= 0"),
            (self.waiting_period_months >= 0, "waiting_period_months must be >= 0"),
            (
                0.0 < self.target_ruin_probability < 1.0,
                "target_ruin_probability must be in (0, 1)",
            ),
            (self.horizon_months >= 1, "horizon_months must be >= 1"),
            (0.0 <= self.relief_trigger_share <= 1.0, "relief_trigger_share must be in [0, 1]"),
            (0.0 <= self.relief_share <= 1.0, "relief_share must be in [0, 1]"),
            (0.0 <= self.relief_waive_share <= 1.0, "relief_waive_share must be in [0, 1]"),
            (self.catchup_months >= 1, "catchup_months must be >= 1"),
            (self.catchup_cap > 0.0, "catchup_cap must be > 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    def contribution(self, income: ArrayLike, rate: float | None = None) -> FloatArray:
        """The month's contribution before any relief: a share of income within the bounds."""
        r = self.contribution_rate if rate is None else rate
        y = np.maximum(np.asarray(income, dtype=np.float64), 0.0)
        return np.clip(r * y, self.min_contribution, self.max_contribution)


class PayoutReason(StrEnum):
    """Why a member did or did not receive a payout: stable codes for the message catalogs."""

    ELIGIBLE = "eligible"
    """Income fell far enough below the baseline and the member qualifies."""
    NO_SHORTFALL = "no_shortfall"
    """Income was at or above the baseline less the deductible."""
    WAITING_PERIOD = "waiting_period"
    """The member has not yet been a member for the waiting period."""
    MAX_MONTHS_REACHED = "max_months_reached"
    """The member already drew the most payout months allowed in the last 12."""


# Integer codes used inside the vectorised arrays, in the order of the enum.
_REASONS: tuple[PayoutReason, ...] = tuple(PayoutReason)
_ELIGIBLE, _NO_SHORTFALL, _WAITING, _MAX_MONTHS = range(4)


def gross_payout(baseline: ArrayLike, income: ArrayLike, rules: PoolRules) -> FloatArray:
    """The payout a qualifying member is due, before eligibility and pro-rata scaling.

    `min(cap, rate * max(0, baseline - income - deductible))`: zero whenever income is at
    or above the baseline less the deductible. Shared by the decision below and by every
    simulation, so that what is priced is exactly what is paid.
    """
    b = np.maximum(np.asarray(baseline, dtype=np.float64), 0.0)
    y = np.maximum(np.asarray(income, dtype=np.float64), 0.0)
    excess = np.maximum(b * (1.0 - rules.deductible_share) - y, 0.0)
    return np.minimum(rules.replacement_rate * excess, rules.monthly_cap)


def eligible_mask(
    months_of_membership: ArrayLike, payout_months_used: ArrayLike, rules: PoolRules
) -> BoolArray:
    """Members past the waiting period with payout months left in the rolling 12."""
    served = np.asarray(months_of_membership) >= rules.waiting_period_months
    left = np.asarray(payout_months_used) < rules.max_payout_months
    return np.asarray(served & left, dtype=np.bool_)


def pro_rata_factor(due_total: float, available: float) -> float:
    """The common factor that fits a month's due payouts into what the reserve can pay.

    1.0 when everything can be paid; otherwise the largest factor whose scaled total is not
    above `available`, even after floating-point rounding (nudged down by ulps if needed).
    """
    if due_total <= 0.0 or available >= due_total:
        return 1.0
    if available <= 0.0:
        return 0.0
    return float(available / due_total)


def _fit_factor(due: FloatArray, available: float) -> float:
    """`pro_rata_factor`, then made safe against summation rounding of the scaled payouts."""
    total = float(due.sum())
    factor = pro_rata_factor(total, available)
    if factor >= 1.0:
        return 1.0
    while factor > 0.0 and float((due * factor).sum()) > available:
        factor = float(np.nextafter(factor, 0.0))
    return factor


@dataclass(frozen=True)
class PayoutFactors:
    """One member's payout and the factors that explain it, ready to be stored with it."""

    baseline: float
    income: float
    shortfall: float
    """Baseline less income, floored at zero."""
    deductible: float
    """The part of the shortfall the member absorbs."""
    replacement_rate: float
    cap: float
    cap_applied: bool
    """True when the monthly cap reduced the payout."""
    reason: str
    """A `PayoutReason` code."""
    due: float
    """Payout before pro-rata scaling (zero when not eligible)."""
    pro_rata_factor: float
    payout: float

    def as_dict(self) -> dict[str, float | bool | str]:
        """Plain data for storage beside the decision and for the message templates."""
        return {
            "baseline": self.baseline,
            "income": self.income,
            "shortfall": self.shortfall,
            "deductible": self.deductible,
            "replacement_rate": self.replacement_rate,
            "cap": self.cap,
            "cap_applied": self.cap_applied,
            "reason": self.reason,
            "due": self.due,
            "pro_rata_factor": self.pro_rata_factor,
            "payout": self.payout,
        }


@dataclass(frozen=True)
class PayoutBatch:
    """A month's payout decisions for many members at once, as aligned arrays."""

    baseline: FloatArray
    income: FloatArray
    shortfall: FloatArray
    deductible: FloatArray
    cap_applied: BoolArray
    reason_code: NDArray[np.int8]
    """Index into `PayoutReason`, one per member; see `reasons`."""
    due: FloatArray
    """Payout each member is due before pro-rata scaling."""
    pro_rata_factor: float
    payout: FloatArray
    rules: PoolRules

    @property
    def reasons(self) -> list[str]:
        """The reason code of each member as its stable string."""
        return [_REASONS[int(c)].value for c in self.reason_code]

    @property
    def total(self) -> float:
        return float(self.payout.sum())

    def factors(self, i: int) -> PayoutFactors:
        """Member i's decision with its explanation."""
        return PayoutFactors(
            baseline=float(self.baseline[i]),
            income=float(self.income[i]),
            shortfall=float(self.shortfall[i]),
            deductible=float(self.deductible[i]),
            replacement_rate=self.rules.replacement_rate,
            cap=self.rules.monthly_cap,
            cap_applied=bool(self.cap_applied[i]),
            reason=_REASONS[int(self.reason_code[i])].value,
            due=float(self.due[i]),
            pro_rata_factor=self.pro_rata_factor,
            payout=float(self.payout[i]),
        )


def decide_payouts(
    baseline: ArrayLike,
    income: ArrayLike,
    months_of_membership: ArrayLike,
    payout_months_used: ArrayLike,
    rules: PoolRules,
    available: float | None = None,
) -> PayoutBatch:
    """The month's smoothing payouts for a set of members, with their explanations.

    `months_of_membership` counts the member's full months in the pool before this one;
    `payout_months_used` counts their months with a payout among the previous 12.
    `available` is what the reserve can pay this month (after this month's contributions);
    `None` means no limit. When the members' due payouts exceed it, every payout is scaled
    by the same factor.
    """
    b = np.maximum(np.atleast_1d(np.asarray(baseline, dtype=np.float64)), 0.0)
    y = np.maximum(np.atleast_1d(np.asarray(income, dtype=np.float64)), 0.0)
    b, y = np.broadcast_arrays(b, y)
    b = b.copy()
    y = y.copy()
    shortfall = np.maximum(b - y, 0.0)
    deductible = b * rules.deductible_share
    uncapped = rules.replacement_rate * np.maximum(shortfall - deductible, 0.0)
    gross = np.minimum(uncapped, rules.monthly_cap)
    cap_applied = uncapped > rules.monthly_cap

    member_shape = b.shape
    served = np.broadcast_to(
        np.asarray(months_of_membership) >= rules.waiting_period_months, member_shape
    )
    left = np.broadcast_to(np.asarray(payout_months_used) < rules.max_payout_months, member_shape)
    code = np.full(member_shape, _ELIGIBLE, dtype=np.int8)
    code[~left] = _MAX_MONTHS
    code[~served] = _WAITING
    code[gross <= 0.0] = _NO_SHORTFALL
    due = np.where(code == _ELIGIBLE, gross, 0.0)
    cap_applied = cap_applied & (code == _ELIGIBLE)

    factor = 1.0 if available is None else _fit_factor(due, float(available))
    payout = due * factor if factor < 1.0 else due.copy()
    return PayoutBatch(
        baseline=b,
        income=y,
        shortfall=shortfall,
        deductible=deductible,
        cap_applied=cap_applied,
        reason_code=code,
        due=due,
        pro_rata_factor=factor,
        payout=payout,
        rules=rules,
    )


def decide_payout(
    baseline: float,
    income: float,
    months_of_membership: int,
    payout_months_used: int,
    rules: PoolRules,
    pro_rata: float = 1.0,
) -> PayoutFactors:
    """One member's payout and its explanation (for a review, an appeal or a message).

    `pro_rata` is the month's factor when the pool's run already scaled payouts down.
    """
    batch = decide_payouts(baseline, income, months_of_membership, payout_months_used, rules)
    f = batch.factors(0)
    if pro_rata >= 1.0:
        return f
    factor = max(pro_rata, 0.0)
    return replace(f, pro_rata_factor=factor, payout=f.due * factor)


def scale_pro_rata(due: FloatArray, available: float) -> tuple[FloatArray, float]:
    """Scale due payouts so their total fits `available`; returns payouts and the factor."""
    factor = _fit_factor(due, available)
    return (due * factor if factor < 1.0 else due.copy()), factor
