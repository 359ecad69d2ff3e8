"""Recording income through the service, on PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidAmount, InvalidPeriod, MutuaError, UnknownCurrency
from core.periods import Period
from income.errors import (
    CsvRejected,
    CurrencyNotInPools,
    CurrencyRequired,
    InvalidPeriodRange,
    UnknownPlatform,
)
from income.models import IncomeRecord, IncomeSource
from income.service import ManualResult, import_csv, list_income, record_manual
from tests.income.conftest import make_worker

TODAY = date(2026, 11, 25)
STATEMENT = (
    b"\xef\xbb\xbfDate,Platform,Amount\r\n"
    b"2026-09-30,Uber,10.00\r\n"
    b"2026-10-01,Uber Eats,5.25\r\n"
    b"2026-10-01,Uber Eats,5.25\r\n"
    b"2026-10-15,lyft,0\r\n"
)


async def count(
    session: AsyncSession, worker_id: uuid.UUID, model: type[IncomeRecord] | type[IncomeSource]
) -> int:
    query = select(func.count()).select_from(model).where(model.worker_id == worker_id)
    return int((await session.execute(query)).scalar_one())


async def test_import_a_statement(session: AsyncSession, worker_id: uuid.UUID) -> None:
    result = await import_csv(session, worker_id, STATEMENT, currency="usd", today=TODAY)
    assert (result.rows, result.added, result.duplicates) == (4, 4, 0)
    assert result.periods == ["2026-09", "2026-10"]
    records = (await list_income(session, worker_id, from_period=None, to_period=None)).records
    assert [(r.period, r.earned_on, r.platform, r.amount_minor) for r in records] == [
        ("2026-09", date(2026, 9, 30), "uber", 1000),
        ("2026-10", date(2026, 10, 1), "ubereats", 525),
        ("2026-10", date(2026, 10, 1), "ubereats", 525),
        ("2026-10", date(2026, 10, 15), "lyft", 0),
    ]
    assert {(r.kind, r.currency) for r in records} == {("csv", "USD")}
    assert await count(session, worker_id, IncomeSource) == 3


async def test_reimport_adds_nothing(session: AsyncSession, worker_id: uuid.UUID) -> None:
    await import_csv(session, worker_id, STATEMENT, currency="USD", today=TODAY)
    again = await import_csv(session, worker_id, STATEMENT, currency="USD", today=TODAY)
    assert (again.rows, again.added, again.duplicates) == (4, 0, 4)
    assert await count(session, worker_id, IncomeRecord) == 4


async def test_an_overlapping_statement_adds_only_new_lines(
    session: AsyncSession, worker_id: uuid.UUID
) -> None:
    await import_csv(session, worker_id, STATEMENT, currency="USD", today=TODAY)
    later = (
        b"date,platform,amount\n"
        b"2026-10-01,ubereats,5.25\n"
        b"2026-10-01,ubereats,5.25\n"
        b"2026-10-01,ubereats,5.25\n"  # a third identical payment is new
        b"2026-11-02,uber,7\n"
    )
    result = await import_csv(session, worker_id, later, currency="USD", today=TODAY)
    assert (result.added, result.duplicates) == (2, 2)
    assert await count(session, worker_id, IncomeRecord) == 6


async def test_a_bad_line_leaves_nothing_written(
    session: AsyncSession, worker_id: uuid.UUID
) -> None:
    bad = STATEMENT + b"2026-10-16,lyft,12.345\r\n"
    with pytest.raises(CsvRejected) as caught:
        await import_csv(session, worker_id, bad, currency="USD", today=TODAY)
    assert (caught.value.line, caught.value.reason) == (6, "too-many-decimals")
    assert await count(session, worker_id, IncomeRecord) == 0
    assert await count(session, worker_id, IncomeSource) == 0


async def test_a_future_line_is_refused(session: AsyncSession, worker_id: uuid.UUID) -> None:
    future = b"date,platform,amount\n2026-11-26,uber,1\n"
    with pytest.raises(CsvRejected) as caught:
        await import_csv(session, worker_id, future, currency="USD", today=TODAY)
    assert caught.value.reason == "future-date"


async def test_imports_are_per_worker(session: AsyncSession, worker_id: uuid.UUID) -> None:
    other = await make_worker(session)
    await import_csv(session, worker_id, STATEMENT, currency="USD", today=TODAY)
    result = await import_csv(session, other, STATEMENT, currency="USD", today=TODAY)
    assert result.added == 4
    summary = await list_income(session, other, from_period=None, to_period=None)
    assert {r.worker_id for r in summary.records} == {other}


async def enter(
    session: AsyncSession,
    worker_id: uuid.UUID,
    *,
    platform: str = "uber",
    month: str = "2026-10",
    amount_minor: int = 1,
    currency: str = "USD",
    pool_currencies: frozenset[str] = frozenset(),
) -> ManualResult:
    """A manual monthly entry, made on `TODAY`."""
    return await record_manual(
        session,
        worker_id,
        platform=platform,
        period=Period.parse(month),
        amount_minor=amount_minor,
        currency=currency,
        pool_currencies=pool_currencies,
        today=TODAY,
    )


async def test_manual_entry_creates_then_corrects(
    session: AsyncSession, worker_id: uuid.UUID
) -> None:
    first = await enter(session, worker_id, platform="Door Dash", amount_minor=50_000)
    assert first.created
    record = first.record
    assert (record.platform, record.period, record.kind, record.earned_on) == (
        "doordash",
        "2026-10",
        "manual",
        None,
    )
    again = await enter(
        session, worker_id, platform="doordash", amount_minor=42_000, currency="eur"
    )
    assert not again.created
    assert again.record.id == first.record.id
    records = (await list_income(session, worker_id, from_period=None, to_period=None)).records
    assert [(r.platform, r.amount_minor, r.currency) for r in records] == [
        ("doordash", 42_000, "EUR")
    ]

    other_month = await enter(session, worker_id, platform="doordash", month="2026-09")
    assert other_month.created
    assert await count(session, worker_id, IncomeRecord) == 2
    assert await count(session, worker_id, IncomeSource) == 1


@pytest.mark.parametrize(
    ("fields", "error", "slug"),
    [
        ({"amount_minor": -1}, InvalidAmount, "invalid-amount"),
        ({"amount_minor": 10**16}, InvalidAmount, "invalid-amount"),
        ({"amount_minor": 10_000_000_001}, InvalidAmount, "invalid-amount"),  # > $100,000
        (
            {"currency": "EUR", "pool_currencies": {"USD"}},
            CurrencyNotInPools,
            "currency-not-in-pools",
        ),
        ({"amount_minor": True}, InvalidAmount, "invalid-amount"),
        ({"platform": "Deliveroo"}, UnknownPlatform, "unknown-platform"),
        ({"currency": "ZZZ"}, UnknownCurrency, "unknown-currency"),
        ({"month": "2026-12"}, InvalidPeriod, "invalid-period"),
    ],
)
async def test_manual_entry_refuses(
    session: AsyncSession,
    worker_id: uuid.UUID,
    fields: dict[str, Any],
    error: type[MutuaError],
    slug: str,
) -> None:
    with pytest.raises(error) as caught:
        await enter(session, worker_id, **fields)
    assert caught.value.slug == slug
    assert await count(session, worker_id, IncomeRecord) == 0


async def test_income_is_in_a_currency_of_the_workers_pools(
    session: AsyncSession, worker_id: uuid.UUID
) -> None:
    in_pools = frozenset({"USD", "JPY"})
    assert (await enter(session, worker_id, currency="jpy", pool_currencies=in_pools)).created
    # Before joining any pool, any currency may be recorded: there is nothing to compare with.
    assert (await enter(session, worker_id, platform="lyft", currency="EUR")).created
    with pytest.raises(CurrencyNotInPools) as refused:
        await import_csv(
            session, worker_id, STATEMENT, currency="EUR", pool_currencies=in_pools, today=TODAY
        )
    assert refused.value.extra["currencies"] == ["JPY", "USD"]


async def test_a_statement_without_a_currency_is_asked_about_when_pools_differ(
    session: AsyncSession, worker_id: uuid.UUID
) -> None:
    with pytest.raises(CurrencyRequired) as asked:
        await import_csv(
            session, worker_id, STATEMENT, currency=None, pool_currencies={"USD", "JPY"}
        )
    assert asked.value.extra["currencies"] == ["JPY", "USD"]
    with pytest.raises(CurrencyRequired):
        await import_csv(session, worker_id, STATEMENT, currency=None, today=TODAY)
    assert await count(session, worker_id, IncomeRecord) == 0
    result = await import_csv(
        session, worker_id, STATEMENT, currency=None, pool_currencies={"USD"}, today=TODAY
    )
    assert result.added == 4
    records = (await list_income(session, worker_id, from_period=None, to_period=None)).records
    assert {record.currency for record in records} == {"USD"}


async def test_the_current_month_and_zero_are_accepted(
    session: AsyncSession, worker_id: uuid.UUID
) -> None:
    assert (await enter(session, worker_id, month="2026-11", amount_minor=0)).created


async def test_a_failed_write_leaves_the_transaction_usable(
    session: AsyncSession, worker_id: uuid.UUID
) -> None:
    with pytest.raises(IntegrityError):  # no such worker: the foreign key refuses it
        await enter(session, uuid.uuid4())
    assert (await enter(session, worker_id)).created


async def _history(session: AsyncSession, worker_id: uuid.UUID) -> None:
    statement = (
        b"date,platform,amount\n"
        b"2026-08-03,uber,100.00\n"
        b"2026-08-20,uber,50.00\n"
        b"2026-09-01,lyft,30.00\n"
        b"2026-09-02,uber,20.00\n"
        b"2026-10-05,uber,70.00\n"
    )
    await import_csv(session, worker_id, statement, currency="USD", today=TODAY)
    # The worker's own monthly figure for September on Uber stands in for the imported line.
    await enter(session, worker_id, platform="uber", month="2026-09", amount_minor=2_500)
    await enter(
        session, worker_id, platform="etsy", month="2026-10", amount_minor=900, currency="EUR"
    )


async def test_listing_totals(session: AsyncSession, worker_id: uuid.UUID) -> None:
    await _history(session, worker_id)
    summary = await list_income(session, worker_id, from_period=None, to_period=None)
    assert len(summary.records) == 7
    assert [
        (f.period, f.platform, f.currency, f.amount_minor, f.basis, f.record_count)
        for f in summary.by_platform
    ] == [
        ("2026-08", "uber", "USD", 15_000, "imported", 2),
        ("2026-09", "lyft", "USD", 3_000, "imported", 1),
        ("2026-09", "uber", "USD", 2_500, "manual", 1),
        ("2026-10", "etsy", "EUR", 900, "manual", 1),
        ("2026-10", "uber", "USD", 7_000, "imported", 1),
    ]
    assert [(m.period, m.currency, m.amount_minor) for m in summary.by_month] == [
        ("2026-08", "USD", 15_000),
        ("2026-09", "USD", 5_500),
        ("2026-10", "EUR", 900),
        ("2026-10", "USD", 7_000),
    ]
    assert [(t.currency, t.amount_minor) for t in summary.totals] == [
        ("EUR", 900),
        ("USD", 27_500),
    ]


@pytest.mark.parametrize(
    ("start", "end", "periods"),
    [
        (None, None, ["2026-08", "2026-09", "2026-10"]),
        ("2026-09", None, ["2026-09", "2026-10"]),
        (None, "2026-09", ["2026-08", "2026-09"]),
        ("2026-09", "2026-09", ["2026-09"]),
        ("2026-08", "2026-10", ["2026-08", "2026-09", "2026-10"]),
        ("2025-01", "2026-07", []),
        ("2026-11", None, []),
    ],
)
async def test_listing_ranges(
    session: AsyncSession,
    worker_id: uuid.UUID,
    start: str | None,
    end: str | None,
    periods: list[str],
) -> None:
    await _history(session, worker_id)
    summary = await list_income(
        session,
        worker_id,
        from_period=None if start is None else Period.parse(start),
        to_period=None if end is None else Period.parse(end),
    )
    assert sorted({r.period for r in summary.records}) == periods
    assert sorted({m.period for m in summary.by_month}) == periods
    assert (summary.from_period, summary.to_period) == (start, end)


async def test_listing_a_reversed_range_is_refused(
    session: AsyncSession, worker_id: uuid.UUID
) -> None:
    with pytest.raises(InvalidPeriodRange) as caught:
        await list_income(
            session, worker_id, from_period=Period(2026, 10), to_period=Period(2026, 9)
        )
    assert caught.value.status == 422
    assert caught.value.extra == {"from_period": "2026-10", "to_period": "2026-09"}
