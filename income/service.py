"""Recording a worker's income: manual monthly entries, CSV statements, and the summary.

These functions write through the caller's session and never commit: the caller owns the
transaction, so an import commits together with whatever the request also records (its
idempotency entry, an outbox message) or not at all. Each writing function does its writes
inside a SAVEPOINT, so a failure leaves the caller's transaction as it was.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidAmount, InvalidPeriod, NotFound
from core.money import Money
from core.periods import Period
from income import repository
from income.csv_statement import latest_today, parse_statement
from income.errors import IncomeRecordNotEditable, InvalidPeriodRange
from income.limits import check_currency, monthly_ceiling_minor, statement_currency
from income.models import IncomeRecord
from income.platforms import parse_platform
from income.summary import (
    IncomeSummary,
    MonthTotal,
    PlatformMonth,
    month_totals,
    platform_months,
    summarize,
)


@dataclass(frozen=True, slots=True)
class ManualResult:
    """The stored monthly entry; `created` is False when it replaced an earlier amount."""

    record: IncomeRecord
    created: bool


@dataclass(frozen=True, slots=True)
class CsvImportResult:
    """What an import did: lines read, records added, lines already stored, months touched."""

    rows: int
    added: int
    duplicates: int
    periods: list[str]
    """Every month (YYYY-MM) the statement has lines in, oldest first."""


def _manual_external_id(period: Period) -> str:
    # One manual record per platform and month: the month is its identity in the source.
    return f"month:{period}"


async def record_manual(
    session: AsyncSession,
    worker_id: uuid.UUID,
    *,
    platform: str,
    period: Period,
    amount_minor: int,
    currency: str,
    pool_currencies: Collection[str] = (),
    today: date | None = None,
    source: Literal["manual", "sms"] = "manual",
) -> ManualResult:
    """Set the worker's income on a platform for a month, as they state it.

    `source="sms"` files an entry texted in (by SMS or USSD) under its own source, so the
    worker's data export says where each figure came from; it counts as the worker's own
    figure for the month like a web entry, and the newer of the two stands.

    A manual entry is a monthly total, not a payment: posting the same platform and month
    again replaces the amount (and currency) rather than adding to it, because a worker who
    re-enters a month is correcting it. Zero is a valid entry (a month with no work on the
    platform). Months after the current one are refused; "current" is the latest month
    anywhere on Earth, so no worker's own today is ever in the future. The currency must be
    one of `pool_currencies` (the worker's pools'; empty when they are in none) and the
    amount within the monthly ceiling, as `income.limits` explains. `today` is for tests.
    """
    platform = parse_platform(platform)
    currency = check_currency(currency, pool_currencies)
    amount = Money(amount_minor, currency).amount_minor
    if amount < 0:
        raise InvalidAmount("income cannot be negative", reason="negative-amount")
    ceiling = monthly_ceiling_minor(currency)
    if amount > ceiling:
        raise InvalidAmount(
            f"{amount} minor units of {currency} in one month on one platform is more than "
            f"Mutua records ({ceiling}); check for extra zeros or an amount in cents",
            reason="above-monthly-ceiling",
            ceiling_minor=ceiling,
        )
    if period > Period.of(today or latest_today()):
        raise InvalidPeriod(f"{period} is in the future", reason="future-period")
    external_id = _manual_external_id(period)
    async with session.begin_nested():
        income_source = await repository.get_or_create_source(session, worker_id, source, platform)
        existing = await repository.find_record(
            session, income_source.id, external_id, for_update=True
        )
        if existing is None:
            record = IncomeRecord(
                worker_id=worker_id,
                source_id=income_source.id,
                platform=platform,
                kind=source,
                period=str(period),
                earned_on=None,
                amount_minor=amount,
                currency=currency,
                external_id=external_id,
            )
            if await repository.add_record(session, record):
                return ManualResult(record, created=True)
            existing = await repository.find_record(
                session, income_source.id, external_id, for_update=True
            )
            if existing is None:  # pragma: no cover - add_record re-raises in this case
                raise RuntimeError("manual income record vanished during a correction")
        existing.amount_minor = amount
        existing.currency = currency
        await session.flush()
        return ManualResult(existing, created=False)


async def _manual_record(
    session: AsyncSession, worker_id: uuid.UUID, record_id: uuid.UUID
) -> IncomeRecord:
    record = await repository.record_of_worker(session, worker_id, record_id)
    if record is None:  # another worker's record is as absent as one that never existed
        raise NotFound("no such income record", record_id=str(record_id))
    if record.kind != "manual":
        raise IncomeRecordNotEditable(
            f"this record came from a {record.kind} import; to correct its month, enter the "
            "month's total yourself (POST /v1/me/income), which then stands for it",
            record_id=str(record_id),
            source=record.kind,
        )
    return record


async def correct_manual(
    session: AsyncSession,
    worker_id: uuid.UUID,
    record_id: uuid.UUID,
    *,
    amount_minor: int,
    currency: str | None = None,
    pool_currencies: Collection[str] = (),
) -> IncomeRecord:
    """Change the amount (and currency) of a monthly entry the worker made.

    Only the worker's own entries can be changed or deleted: an imported line is what its
    statement or bank says, and a worker who disagrees enters the month's total, which then
    stands for the imported lines (`income.summary`). A correction obeys the rules of a new
    entry (currency of a pool, monthly ceiling), because it is one.
    """
    record = await _manual_record(session, worker_id, record_id)
    result = await record_manual(
        session,
        worker_id,
        platform=record.platform,
        period=Period.parse(record.period),
        amount_minor=amount_minor,
        currency=currency or record.currency,
        pool_currencies=pool_currencies,
    )
    return result.record


async def delete_manual(session: AsyncSession, worker_id: uuid.UUID, record_id: uuid.UUID) -> None:
    """Delete a monthly entry the worker made; the month then rests on imported lines, if any."""
    async with session.begin_nested():
        record = await _manual_record(session, worker_id, record_id)
        await repository.delete_record(session, record)


async def import_csv(
    session: AsyncSession,
    worker_id: uuid.UUID,
    data: bytes,
    *,
    currency: str | None,
    pool_currencies: Collection[str] = (),
    today: date | None = None,
) -> CsvImportResult:
    """Import a CSV statement all or nothing; lines already imported are skipped.

    The statement's currency is `currency`, which must be one of `pool_currencies`, or, when
    not given, the worker's only pool currency (`income.limits.statement_currency` asks
    rather than guesses between several). The whole file is parsed and checked before the
    first write (a bad line raises `CsvRejected` and nothing is written); the writes then run
    in one SAVEPOINT. Lines carry stable external ids, so importing the same statement
    again, or an overlapping later one, adds only lines not seen before. `today` is for tests.
    """
    currency = statement_currency(currency, pool_currencies)
    # Parsing ten thousand lines is CPU work of most of a second: done in a thread, it
    # leaves the event loop free to answer everyone else meanwhile.
    lines = await asyncio.to_thread(parse_statement, data, currency=currency, today=today)
    async with session.begin_nested():
        source_ids: dict[str, uuid.UUID] = {}
        for platform in sorted({line.platform for line in lines}):
            source = await repository.get_or_create_source(session, worker_id, "csv", platform)
            source_ids[platform] = source.id
        added = await repository.add_records_skipping_known(
            session,
            [
                {
                    "worker_id": worker_id,
                    "source_id": source_ids[line.platform],
                    "platform": line.platform,
                    "kind": "csv",
                    "period": line.period,
                    "earned_on": line.earned_on,
                    "amount_minor": line.amount_minor,
                    "currency": currency,
                    "external_id": line.external_id,
                }
                for line in lines
            ],
        )
    return CsvImportResult(
        rows=len(lines),
        added=added,
        duplicates=len(lines) - added,
        periods=sorted({line.period for line in lines}),
    )


def _check_range(from_period: Period | None, to_period: Period | None) -> None:
    if from_period is not None and to_period is not None and from_period > to_period:
        raise InvalidPeriodRange(
            f"the range starts ({from_period}) after it ends ({to_period})",
            from_period=str(from_period),
            to_period=str(to_period),
        )


@dataclass(frozen=True, slots=True)
class MonthsPage:
    """Some months of a worker's income, whole: every currency and platform of each."""

    periods: list[str]
    by_month: list[MonthTotal]
    by_platform: list[PlatformMonth]
    more: bool
    """Whether months after the last of `periods` have income too."""


async def records_page(
    session: AsyncSession,
    worker_id: uuid.UUID,
    *,
    from_period: Period | None,
    to_period: Period | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[IncomeRecord]:
    """Up to `limit` of the worker's records in the range, by month, after `after`."""
    _check_range(from_period, to_period)
    return await repository.records_page(
        session,
        worker_id,
        from_period=from_period,
        to_period=to_period,
        after=after,
        limit=limit,
    )


async def months_page(
    session: AsyncSession,
    worker_id: uuid.UUID,
    *,
    from_period: Period | None,
    to_period: Period | None,
    after: str | None,
    limit: int,
) -> MonthsPage:
    """The totals of up to `limit` months with income in the range, after month `after`.

    A page holds whole months, so a month's figure is never split across pages; its
    records are read as bare columns, in batches, however many a month has.
    """
    _check_range(from_period, to_period)
    periods = await repository.periods_page(
        session,
        worker_id,
        from_period=from_period,
        to_period=to_period,
        after=after,
        limit=limit + 1,
    )
    shown = periods[:limit]
    rows = [row async for row in repository.figures_in(session, worker_id, shown)]
    by_platform = platform_months(rows)
    return MonthsPage(
        periods=shown,
        by_month=month_totals(by_platform),
        by_platform=by_platform,
        more=len(periods) > limit,
    )


async def list_income(
    session: AsyncSession,
    worker_id: uuid.UUID,
    *,
    from_period: Period | None,
    to_period: Period | None,
) -> IncomeSummary:
    """The worker's records in the range (inclusive, either end open) and their totals.

    Totals per platform and month follow the rule in `income.summary`: a manual monthly
    entry stands for its month and platform, imported lines are summed otherwise.
    """
    _check_range(from_period, to_period)
    records = await repository.list_records(
        session, worker_id, from_period=from_period, to_period=to_period
    )
    return summarize(
        records,
        from_period=None if from_period is None else str(from_period),
        to_period=None if to_period is None else str(to_period),
    )
