"""What a claim is owed for a month: its days on benefit at its monthly level.

A month's benefit is the claim's monthly level times the share of the month's days the
member was on paid benefit, floored to the minor unit. The paid days run from the day
after the waiting time (`starts_on + waiting_days`) to the day before the member is back
(`back_on`), for at most `max_months` months from the first paid day. A run pays every
day not yet paid up to the end of its month, so a claim approved late is paid its back days
by the next run, once, and the days already paid (`paid_through`) are never paid again.

Pure date arithmetic on plain values: the monthly run calls it for each claim when it plans
the month, and the result is stored on the member's plan.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from core.periods import Period


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def last_day(period: Period) -> date:
    return date(period.year, period.month, calendar.monthrange(period.year, period.month)[1])


def months_between_days(start: date, end: date) -> int:
    """Whole months from `start` to `end` (a member who joined on 15 March has two whole
    months on 15 May, and one on 14 May)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


@dataclass(frozen=True)
class ClaimTerms:
    """A claim's dates and rules, as the payment arithmetic needs them."""

    starts_on: date
    back_on: date | None
    paid_through: date | None
    waiting_days: int
    max_months: int
    monthly_benefit_minor: int

    @property
    def first_paid_day(self) -> date:
        return self.starts_on + timedelta(days=self.waiting_days)

    @property
    def last_payable_day(self) -> date:
        """The last day the maximum duration allows."""
        return add_months(self.first_paid_day, self.max_months) - timedelta(days=1)


@dataclass(frozen=True)
class MonthDue:
    amount_minor: int
    first: date | None
    through: date | None
    days: int
    reaches_maximum: bool
    """This payment pays the last day the maximum duration allows."""

    def factors(self, terms: ClaimTerms) -> dict[str, Any]:
        return {
            "monthly_benefit_minor": terms.monthly_benefit_minor,
            "starts_on": terms.starts_on.isoformat(),
            "waiting_days": terms.waiting_days,
            "first_paid_day": terms.first_paid_day.isoformat(),
            "max_months": terms.max_months,
            "last_payable_day": terms.last_payable_day.isoformat(),
            "back_on": terms.back_on.isoformat() if terms.back_on else None,
            "paid_from": self.first.isoformat() if self.first else None,
            "paid_through": self.through.isoformat() if self.through else None,
            "days": self.days,
            "reaches_maximum": self.reaches_maximum,
        }


NOTHING = MonthDue(0, None, None, 0, False)


def due_for(terms: ClaimTerms, period: Period) -> MonthDue:
    """The benefit a run for `period` pays: every unpaid payable day up to the month's end."""
    first = terms.first_paid_day
    if terms.paid_through is not None:
        first = max(first, terms.paid_through + timedelta(days=1))
    through = min(last_day(period), terms.last_payable_day)
    if terms.back_on is not None:
        through = min(through, terms.back_on - timedelta(days=1))
    if through < first:
        return NOTHING
    amount, days, day = 0, 0, first
    while day <= through:  # month by month: each month's days at that month's length
        month = Period.of(day)
        end = min(last_day(month), through)
        span = (end - day).days + 1
        length = calendar.monthrange(month.year, month.month)[1]
        amount += terms.monthly_benefit_minor * span // length
        days += span
        day = end + timedelta(days=1)
    return MonthDue(amount, first, through, days, through == terms.last_payable_day)
