"""Calendar months (`2026-11`), the unit of income, contributions and payouts.

A period is a month in the pool's time zone; it is stored as its `YYYY-MM` text so that it
sorts, compares and reads the same on PostgreSQL and SQLite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from core.errors import InvalidPeriod

_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True, slots=True)
class Period:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12) or not (1970 <= self.year <= 2200):
            raise InvalidPeriod(f"{self.year:04d}-{self.month:02d} is not a valid month")

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PATTERN.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise InvalidPeriod(f"{text!r} is not a month in the form YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, day.month)

    @classmethod
    def current(cls, tz: str = "UTC", now: datetime | None = None) -> Period:
        moment = (now or datetime.now(UTC)).astimezone(ZoneInfo(tz))
        return cls(moment.year, moment.month)

    def shift(self, months: int) -> Period:
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
