"""Every query on income sources and records.

Writes that may race with another request (two uploads of one statement, two taps on
"save") are shaped so the database's unique constraints decide, never a read-then-write.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Row, select, tuple_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.periods import Period
from income.models import IncomeRecord, IncomeSource

INSERT_BATCH = 500


async def find_source(
    session: AsyncSession, worker_id: uuid.UUID, kind: str, platform: str
) -> IncomeSource | None:
    """The worker's source of this kind and platform, if it was ever used."""
    result = await session.execute(
        select(IncomeSource).where(
            IncomeSource.worker_id == worker_id,
            IncomeSource.kind == kind,
            IncomeSource.platform == platform,
        )
    )
    return result.scalar_one_or_none()


async def get_or_create_source(
    session: AsyncSession, worker_id: uuid.UUID, kind: str, platform: str
) -> IncomeSource:
    """The worker's source of this kind and platform, created on first use.

    The insert runs in a SAVEPOINT: when a concurrent request created the same source first,
    the unique constraint fails only the savepoint and we read the winner's row.
    """
    found = await find_source(session, worker_id, kind, platform)
    if found is not None:
        return found
    source = IncomeSource(worker_id=worker_id, kind=kind, platform=platform)
    try:
        async with session.begin_nested():
            session.add(source)
    except IntegrityError:
        found = await find_source(session, worker_id, kind, platform)
        if found is None:  # not a race: some other constraint (an unknown worker) failed
            raise
        return found
    return source


async def find_record(
    session: AsyncSession, source_id: uuid.UUID, external_id: str, *, for_update: bool = False
) -> IncomeRecord | None:
    """A record by its identity in its source; `for_update` locks it for a correction."""
    query = select(IncomeRecord).where(
        IncomeRecord.source_id == source_id, IncomeRecord.external_id == external_id
    )
    if for_update:
        query = query.with_for_update()
    result = await session.execute(query)
    return result.scalar_one_or_none()


async def add_record(session: AsyncSession, record: IncomeRecord) -> bool:
    """Insert one record in a SAVEPOINT; False when its (source, external id) already exists."""
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError:
        if await find_record(session, record.source_id, record.external_id) is None:
            raise
        return False
    return True


async def add_records_skipping_known(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Insert records, skipping any whose (source, external id) is stored; returns how many.

    `ON CONFLICT DO NOTHING` (on both databases) lets two imports of one statement run at
    once without either failing: whichever comes second simply adds nothing.

    Rows go in `INSERT_BATCH` at a time: preparing ten thousand rows' parameters in one call
    is CPU work that would hold the event loop for half a second, and between batches the
    loop answers everyone else.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(IncomeRecord)
        .on_conflict_do_nothing(index_elements=["source_id", "external_id"])
        .returning(IncomeRecord.id)
    )
    added = 0
    for start in range(0, len(rows), INSERT_BATCH):
        result = await session.execute(statement, list(rows[start : start + INSERT_BATCH]))
        added += len(result.all())
        await asyncio.sleep(0)  # let waiting requests in between batches
    return added


async def list_records(
    session: AsyncSession,
    worker_id: uuid.UUID,
    *,
    from_period: Period | None,
    to_period: Period | None,
) -> list[IncomeRecord]:
    """A worker's records in a month range (either end open), oldest first.

    Periods are stored as `YYYY-MM` text, which sorts like the months it names.
    """
    query = select(IncomeRecord).where(IncomeRecord.worker_id == worker_id)
    if from_period is not None:
        query = query.where(IncomeRecord.period >= str(from_period))
    if to_period is not None:
        query = query.where(IncomeRecord.period <= str(to_period))
    query = query.order_by(
        IncomeRecord.period,
        IncomeRecord.earned_on.nulls_first(),
        IncomeRecord.platform,
        IncomeRecord.kind,
        IncomeRecord.id,
    )
    result = await session.execute(query)
    return list(result.scalars())


def _in_range(
    worker_id: uuid.UUID, from_period: Period | None, to_period: Period | None
) -> list[Any]:
    conditions: list[Any] = [IncomeRecord.worker_id == worker_id]
    if from_period is not None:
        conditions.append(IncomeRecord.period >= str(from_period))
    if to_period is not None:
        conditions.append(IncomeRecord.period <= str(to_period))
    return conditions


async def records_page(
    session: AsyncSession,
    worker_id: uuid.UUID,
    *,
    from_period: Period | None,
    to_period: Period | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[IncomeRecord]:
    """Up to `limit` of a worker's records in a month range, by month and then id (the
    order they were recorded in), after the record `after` names (its month and id)."""
    query = select(IncomeRecord).where(*_in_range(worker_id, from_period, to_period))
    if after is not None:
        query = query.where(tuple_(IncomeRecord.period, IncomeRecord.id) > after)
    query = query.order_by(IncomeRecord.period, IncomeRecord.id).limit(limit)
    return list((await session.execute(query)).scalars())


async def periods_page(
    session: AsyncSession,
    worker_id: uuid.UUID,
    *,
    from_period: Period | None,
    to_period: Period | None,
    after: str | None,
    limit: int,
) -> list[str]:
    """Up to `limit` months (YYYY-MM) with records in the range, oldest first, after `after`."""
    query = select(IncomeRecord.period).where(*_in_range(worker_id, from_period, to_period))
    if after is not None:
        query = query.where(IncomeRecord.period > after)
    query = query.group_by(IncomeRecord.period).order_by(IncomeRecord.period).limit(limit)
    return list((await session.execute(query)).scalars())


async def figures_in(
    session: AsyncSession, worker_id: uuid.UUID, periods: Sequence[str]
) -> AsyncIterator[Row[str, str, str, str, int]]:
    """Month, platform, currency, kind and amount of every record in those months, streamed
    in batches so a month of many lines never sits in memory, or on the event loop, whole."""
    query = select(
        IncomeRecord.period,
        IncomeRecord.platform,
        IncomeRecord.currency,
        IncomeRecord.kind,
        IncomeRecord.amount_minor,
    ).where(IncomeRecord.worker_id == worker_id, IncomeRecord.period.in_(list(periods)))
    result = await session.stream(query.execution_options(yield_per=2000))
    async for row in result:
        yield row


async def record_of_worker(
    session: AsyncSession, worker_id: uuid.UUID, record_id: uuid.UUID
) -> IncomeRecord | None:
    """The worker's record by id, locked for a change; None for another worker's record."""
    query = (
        select(IncomeRecord)
        .where(IncomeRecord.id == record_id, IncomeRecord.worker_id == worker_id)
        .with_for_update()
    )
    return (await session.execute(query)).scalar_one_or_none()


async def delete_record(session: AsyncSession, record: IncomeRecord) -> None:
    await session.delete(record)
    await session.flush()


async def records_of_workers(
    session: AsyncSession, worker_ids: Sequence[uuid.UUID], *, chunk: int = 500
) -> list[IncomeRecord]:
    """Every record of the given workers, by worker and month (in chunks, so a large pool
    stays under the databases' limits on bound parameters)."""
    records: list[IncomeRecord] = []
    for start in range(0, len(worker_ids), chunk):
        ids = list(worker_ids[start : start + chunk])
        result = await session.execute(
            select(IncomeRecord)
            .where(IncomeRecord.worker_id.in_(ids))
            .order_by(IncomeRecord.worker_id, IncomeRecord.period, IncomeRecord.id)
        )
        records.extend(result.scalars())
    return records
