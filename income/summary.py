"""Monthly income figures from a worker's records, with one rule for overlapping sources.

A manual entry is the worker's own statement of a whole month on a platform (and their way
to correct it), so when one exists for a month and platform it is that month's figure, and
lines imported for the same month and platform are listed but not added on top: adding
both would count the same pay twice and make the worker look richer than they are. Without
a manual entry, the month's figure is the sum of the imported lines.

Sums are kept per currency (a worker may record income in more than one), and made in
Python integers so a long history cannot overflow a database's integer type.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from income.models import IncomeRecord

Basis = Literal["manual", "imported"]


class Figure(Protocol):
    """What the rule reads of a record: an `IncomeRecord`, or a row of just these columns."""

    @property
    def period(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def amount_minor(self) -> int: ...


@dataclass(frozen=True, slots=True)
class PlatformMonth:
    """A platform's income in one month and currency, and what the figure rests on."""

    period: str
    platform: str
    currency: str
    amount_minor: int
    basis: Basis
    """`manual` when the worker's monthly entry set the figure, else `imported`."""
    record_count: int
    """How many records the figure adds up (1 for a manual entry)."""


@dataclass(frozen=True, slots=True)
class MonthTotal:
    """All platforms together in one month and currency."""

    period: str
    currency: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    """The whole range in one currency."""

    currency: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class IncomeSummary:
    """A worker's income over a month range: the records and the figures they make."""

    from_period: str | None
    to_period: str | None
    records: list[IncomeRecord]
    by_platform: list[PlatformMonth] = field(default_factory=list)
    by_month: list[MonthTotal] = field(default_factory=list)
    totals: list[CurrencyTotal] = field(default_factory=list)


OWN_FIGURE_KINDS = ("manual", "sms")
"""Records that are the worker's own statement of a month: entered on the web or texted."""


def _created(record: Figure) -> datetime:
    return getattr(record, "created_at", None) or datetime.min.replace(tzinfo=UTC)


def platform_months(records: Iterable[Figure]) -> list[PlatformMonth]:
    """Each month's figure per platform and currency, by the rule in the module docstring."""
    manual: dict[tuple[str, str], Figure] = {}
    imported: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for record in records:
        if record.kind in OWN_FIGURE_KINDS:
            earlier = manual.get((record.period, record.platform))
            if earlier is None or _created(earlier) <= _created(record):
                manual[(record.period, record.platform)] = record
        else:
            imported[(record.period, record.platform, record.currency)].append(record.amount_minor)
    figures = [
        PlatformMonth(period, platform, r.currency, r.amount_minor, "manual", 1)
        for (period, platform), r in manual.items()
    ]
    figures.extend(
        PlatformMonth(period, platform, currency, sum(amounts), "imported", len(amounts))
        for (period, platform, currency), amounts in imported.items()
        if (period, platform) not in manual
    )
    figures.sort(key=lambda f: (f.period, f.platform, f.currency))
    return figures


def month_totals(by_platform: Iterable[PlatformMonth]) -> list[MonthTotal]:
    """All platforms of each month and currency added up, oldest month first."""
    months: dict[tuple[str, str], int] = defaultdict(int)
    for figure in by_platform:
        months[(figure.period, figure.currency)] += figure.amount_minor
    return [MonthTotal(p, c, amount) for (p, c), amount in sorted(months.items())]


def summarize(
    records: list[IncomeRecord], *, from_period: str | None, to_period: str | None
) -> IncomeSummary:
    """The summary of `records`, which the caller has already limited to the range."""
    by_platform = platform_months(records)
    totals: dict[str, int] = defaultdict(int)
    for figure in by_platform:
        totals[figure.currency] += figure.amount_minor
    return IncomeSummary(
        from_period=from_period,
        to_period=to_period,
        records=records,
        by_platform=by_platform,
        by_month=month_totals(by_platform),
        totals=[CurrencyTotal(c, amount) for c, amount in sorted(totals.items())],
    )
