"""Two requests at once: a double tap on "save" or two uploads of one statement.

These tests commit, so they run in a database of their own (`database_url`), with one
session per simulated request. The first request writes and holds its transaction open
while the second starts; the second must wait, then succeed without adding anything twice.
"""

from __future__ import annotations

import asyncio
import gc
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import date
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.db import create_engine, session_factory
from core.periods import Period
from income.models import IncomeRecord, IncomeSource
from income.repository import get_or_create_source
from income.service import import_csv, record_manual
from tests.income.conftest import make_worker

T = TypeVar("T")
TODAY = date(2026, 11, 25)
STATEMENT = b"date,platform,amount\n2026-10-01,uber,5\n2026-10-01,uber,5\n2026-10-02,lyft,7\n"


@pytest.fixture
async def own_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def race(
    engine: AsyncEngine, work: Callable[[AsyncSession], Coroutine[object, object, T]]
) -> tuple[T, T]:
    """Run `work` in two sessions, the second starting while the first is uncommitted."""
    sessions = session_factory(engine)
    async with sessions() as first, sessions() as second:
        first_result = await work(first)
        second_task = asyncio.create_task(work(second))
        await asyncio.sleep(0.3)  # the second now waits on the first's rows or write lock
        assert not second_task.done()
        await first.commit()
        second_result = await second_task
        await second.commit()
    return first_result, second_result


async def new_worker(engine: AsyncEngine) -> uuid.UUID:
    async with session_factory(engine)() as session:
        worker_id = await make_worker(session)
        await session.commit()
    return worker_id


async def rows(
    engine: AsyncEngine, model: type[IncomeRecord] | type[IncomeSource], worker_id: uuid.UUID
) -> int:
    async with session_factory(engine)() as session:
        query = select(func.count()).select_from(model).where(model.worker_id == worker_id)
        return int((await session.execute(query)).scalar_one())


async def test_one_source_however_many_create_it(own_engine: AsyncEngine) -> None:
    worker_id = await new_worker(own_engine)
    first, second = await race(
        own_engine, lambda s: get_or_create_source(s, worker_id, "csv", "uber")
    )
    assert first.id == second.id
    assert await rows(own_engine, IncomeSource, worker_id) == 1


async def test_two_uploads_of_one_statement_add_each_line_once(own_engine: AsyncEngine) -> None:
    worker_id = await new_worker(own_engine)
    first, second = await race(
        own_engine,
        lambda s: import_csv(s, worker_id, STATEMENT, currency="USD", today=TODAY),
    )
    assert (first.added, second.added, second.duplicates) == (3, 0, 3)
    assert await rows(own_engine, IncomeRecord, worker_id) == 3


async def test_two_manual_entries_for_one_month_keep_one_record(
    own_engine: AsyncEngine,
) -> None:
    worker_id = await new_worker(own_engine)
    amounts = iter((100, 200))

    async def enter(session: AsyncSession) -> bool:
        result = await record_manual(
            session,
            worker_id,
            platform="uber",
            period=Period(2026, 10),
            amount_minor=next(amounts),
            currency="USD",
            today=TODAY,
        )
        return result.created

    assert await race(own_engine, enter) == (True, False)
    async with session_factory(own_engine)() as session:
        stored = (
            (
                await session.execute(
                    select(IncomeRecord.amount_minor).where(IncomeRecord.worker_id == worker_id)
                )
            )
            .scalars()
            .all()
        )
    assert stored == [200]


async def test_a_long_statement_never_holds_the_event_loop_for_long(
    own_engine: AsyncEngine,
) -> None:
    """Every other request waits while the event loop is busy. Ten thousand lines are most
    of a second of CPU to parse and store; no single step of it may take the loop for
    more than a few hundredths of a second. Measured in CPU time of the loop's thread, so
    a busy machine (which delays everything alike) does not change the verdict."""
    worker_id = await new_worker(own_engine)
    lines = [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d},doordash,{i % 50}.25" for i in range(10_000)]
    statement = ("date,platform,amount\n" + "\n".join(lines) + "\n").encode()
    slices: list[float] = []

    async def watch() -> None:
        last = time.thread_time()
        while True:
            await asyncio.sleep(0.002)
            now = time.thread_time()
            slices.append(now - last)
            last = now

    gc.collect()
    gc.disable()  # the collector's pauses are not the import's doing
    watcher = asyncio.create_task(watch())
    try:
        async with session_factory(own_engine)() as session:
            result = await import_csv(session, worker_id, statement, currency="USD", today=TODAY)
            await session.commit()
    finally:
        watcher.cancel()
        gc.enable()
    assert result.added == 10_000
    assert max(slices) < 0.06, sorted(slices)[-5:]
