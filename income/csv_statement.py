"""Parsing a worker's CSV income statement: `date,platform,amount`, one line per payment.

The whole file is checked before anything is written, and the first bad line rejects it
with its line number and a reason code: a half-imported statement would leave the income
models learning from months that look poorer than they were.

Format decisions (they are part of the API contract):
- UTF-8, with or without a byte-order mark; any line ending.
- A header naming the columns `date`, `platform`, `amount` in any order, compared without
  regard to case or surrounding spaces. Any other column rejects the file
  (`unexpected-column`): a column we would drop, such as a currency or a "refund" flag,
  could change what a line means, and importing it wrongly is worse than asking again.
- Blank lines (or lines of empty fields, as spreadsheets export) are skipped.
- `date` is ISO `YYYY-MM-DD`, not after today (today anywhere on Earth, so a worker ahead
  of UTC can upload today's pay).
- `amount` is in currency units, `123.45`, optionally with thousands separators in groups
  of three (`1,234.56`, quoted as CSV requires). No signs, currency symbols or exponents;
  more decimals than the currency has is an error, never a rounding. Zero is allowed: a
  line of no pay is still information.
- At most `MAX_ROWS` data lines and `MAX_BYTES` bytes.
- The lines of one platform in one month add up to at most the monthly ceiling of
  `income.limits` (`above-monthly-ceiling`, on the line that crosses it).

Each line gets an external id: a hash of its date, platform and amount plus how many
identical lines came before it in the file. Re-importing the statement, or a later one that
overlaps it, yields the same ids, so nothing is counted twice; two identical payments on one
day in one file stay two records.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core.errors import InvalidAmount, InvalidPeriod
from core.money import MAX_MINOR, minor_digits, normalize_currency, parse_amount
from core.periods import Period
from income.errors import CsvRejected, UnknownPlatform, echo
from income.limits import monthly_ceiling_minor
from income.platforms import parse_platform

MAX_ROWS = 10_000
"""Most data lines in one statement: years of daily pay on several platforms."""
MAX_BYTES = 1024 * 1024
"""Largest statement accepted, the same cap the API puts on a request body."""
COLUMNS = ("date", "platform", "amount")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_AMOUNT = re.compile(r"^(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$", re.ASCII)
_EARTH_LEAD = timedelta(hours=14)
"""UTC+14 is the furthest any time zone runs ahead of UTC."""


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One accepted line of a statement, ready to be stored."""

    line: int
    earned_on: date
    platform: str
    amount_minor: int
    external_id: str

    @property
    def period(self) -> str:
        return str(Period.of(self.earned_on))


def latest_today(now: datetime | None = None) -> date:
    """The latest calendar date anywhere on Earth right now: the bound for "not in the future"."""
    return ((now or datetime.now(UTC)) + _EARTH_LEAD).date()


def external_id(earned_on: date, platform: str, amount_minor: int, occurrence: int) -> str:
    """Stable id of a statement line; `occurrence` counts identical lines before it."""
    key = f"csv1|{earned_on.isoformat()}|{platform}|{amount_minor}|{occurrence}"
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def parse_statement(
    data: bytes, *, currency: str, today: date | None = None
) -> list[StatementLine]:
    """Every line of the statement, or `CsvRejected` for the first problem found."""
    currency = normalize_currency(currency)
    if len(data) > MAX_BYTES:
        raise CsvRejected(
            f"the file is larger than {MAX_BYTES} bytes", line=None, reason="too-large"
        )
    text = _decode(data)
    limit = today or latest_today()
    digits = minor_digits(currency)
    rows = _rows(text)
    header_line, header = next(rows, (1, []))
    if not header:
        raise CsvRejected("the file is empty; expected a header line", line=1, reason="empty-file")
    order = _columns(header, header_line)
    seen: Counter[tuple[date, str, int]] = Counter()
    lines: list[StatementLine] = []
    for line, fields in rows:
        if len(lines) == MAX_ROWS:
            raise CsvRejected(
                f"more than {MAX_ROWS} lines of income", line=line, reason="too-many-rows"
            )
        if len(fields) != len(order):
            raise CsvRejected(
                f"expected {len(order)} fields, found {len(fields)}",
                line=line,
                reason="wrong-field-count",
            )
        values = dict(zip(order, (f.strip() for f in fields), strict=True))
        for column in COLUMNS:
            if not values[column]:
                raise CsvRejected(
                    f"the {column} is empty", line=line, reason="missing-value", column=column
                )
        earned_on = _date(values["date"], line, limit)
        platform = _platform(values["platform"], line)
        amount = _amount(values["amount"], line, currency, digits)
        identity = (earned_on, platform, amount)
        occurrence = seen[identity]
        seen[identity] += 1
        lines.append(
            StatementLine(line, earned_on, platform, amount, external_id(*identity, occurrence))
        )
    if not lines:
        raise CsvRejected(
            "the file has a header but no lines of income", line=header_line, reason="no-rows"
        )
    _check_monthly_ceiling(lines, currency)
    return lines


def _check_monthly_ceiling(lines: list[StatementLine], currency: str) -> None:
    ceiling = monthly_ceiling_minor(currency)
    totals: Counter[tuple[str, str]] = Counter()
    for line in lines:
        month = (line.platform, line.period)
        totals[month] += line.amount_minor
        if totals[month] > ceiling:
            raise CsvRejected(
                f"{line.platform} in {line.period} adds up to more than "
                f"{ceiling} minor units of {currency}, more than a month's income can be",
                line=line.line,
                reason="above-monthly-ceiling",
                column="amount",
            )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvRejected("the file is not UTF-8 text", line=line, reason="encoding") from None


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the physical line each one starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvRejected(
                f"the CSV is malformed ({exc})", line=start, reason="malformed"
            ) from None
        line, start = start, reader.line_num + 1
        if any(field.strip() for field in fields):
            yield line, fields


def _columns(header: list[str], line: int) -> list[str]:
    names = [name.strip().casefold() for name in header]
    for name in names:
        if name not in COLUMNS:
            raise CsvRejected(
                f"unexpected column {echo(name)!r}; the columns are {', '.join(COLUMNS)}",
                line=line,
                reason="unexpected-column",
                column=echo(name),
            )
    for column in COLUMNS:
        count = names.count(column)
        if count != 1:
            reason = "missing-column" if count == 0 else "duplicate-column"
            raise CsvRejected(
                f"the header must name the column {column!r} exactly once",
                line=line,
                reason=reason,
                column=column,
            )
    return names


def _date(text: str, line: int, limit: date) -> date:
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        earned_on = date.fromisoformat(text)
        Period.of(earned_on)  # a year outside the range Mutua models is refused here
    except (ValueError, InvalidPeriod):
        raise CsvRejected(
            f"{echo(text)!r} is not a date in the form YYYY-MM-DD",
            line=line,
            reason="invalid-date",
            column="date",
        ) from None
    if earned_on > limit:
        raise CsvRejected(
            f"{text} is in the future", line=line, reason="future-date", column="date"
        )
    return earned_on


def _platform(text: str, line: int) -> str:
    try:
        return parse_platform(text)
    except UnknownPlatform as exc:
        raise CsvRejected(
            exc.detail, line=line, reason="unknown-platform", column="platform"
        ) from None


def _amount(text: str, line: int, currency: str, digits: int) -> int:
    def rejected(detail: str, reason: str) -> CsvRejected:
        return CsvRejected(detail, line=line, reason=reason, column="amount")

    if text.startswith("-") or (text.startswith("(") and text.endswith(")")):
        raise rejected(f"{echo(text)!r} is negative", "negative-amount")
    if not _AMOUNT.match(text):
        raise rejected(f"{echo(text)!r} is not an amount like 123.45", "invalid-amount")
    scaled = Decimal(text.replace(",", "")).scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise rejected(
            f"{text} has more than {digits} decimals for {currency}", "too-many-decimals"
        )
    if scaled > MAX_MINOR:
        raise rejected(f"{echo(text)} is out of range", "amount-out-of-range")
    try:
        return parse_amount(text, currency).amount_minor
    except InvalidAmount as exc:  # pragma: no cover - the checks above are stricter
        raise rejected(exc.detail, "invalid-amount") from None
