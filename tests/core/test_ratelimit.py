"""Counting events in fixed windows, in the database both processes and tests share."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import ratelimit
from core.db import create_engine, session_factory
from core.ratelimit import Limit, RateLimitCounter, counter_key, window_of

HOURLY = Limit("test:hourly", 3, timedelta(hours=1))
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_windows_are_fixed_slices_of_time() -> None:
    assert window_of(HOURLY, NOON + timedelta(minutes=59)) == (NOON, NOON + timedelta(hours=1))
    assert window_of(HOURLY, NOON + timedelta(hours=1))[0] == NOON + timedelta(hours=1)
    quarter = Limit("q", 1, timedelta(minutes=15))
    assert window_of(quarter, NOON + timedelta(minutes=31))[0] == NOON + timedelta(minutes=30)


def test_keys_name_nobody() -> None:
    key = counter_key("secret", "admin", "coop@example.org")
    assert "coop" not in key and len(key) == 64
    assert key == counter_key("secret", "admin", "coop@example.org")
    assert key != counter_key("another secret", "admin", "coop@example.org")
    assert counter_key("s", "a", "bc") != counter_key("s", "ab", "c")


async def test_the_event_past_the_limit_is_refused_until_the_window_ends(
    session: AsyncSession,
) -> None:
    verdicts = [await ratelimit.hit(session, HOURLY, "k", NOON) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.count for v in verdicts] == [1, 2, 3, 4]
    assert verdicts[-1].retry_after_seconds == 3600
    later = NOON + timedelta(minutes=45)
    assert (await ratelimit.peek(session, HOURLY, "k", later)).retry_after_seconds == 15 * 60
    assert not (await ratelimit.peek(session, HOURLY, "k", later)).allowed
    # Another key, or the next window, starts afresh.
    assert (await ratelimit.hit(session, HOURLY, "other", NOON)).allowed
    assert (await ratelimit.hit(session, HOURLY, "k", NOON + timedelta(hours=1))).count == 1


async def test_forgive_takes_one_back_and_clear_forgets(session: AsyncSession) -> None:
    for _ in range(3):
        await ratelimit.hit(session, HOURLY, "k", NOON)
    await ratelimit.forgive(session, HOURLY, "k", NOON)
    assert (await ratelimit.peek(session, HOURLY, "k", NOON)).count == 2
    await ratelimit.clear(session, HOURLY, "k")
    assert (await ratelimit.peek(session, HOURLY, "k", NOON)).count == 0
    await ratelimit.forgive(session, HOURLY, "k", NOON)  # never below zero
    assert (await ratelimit.hit(session, HOURLY, "k", NOON)).count == 1


async def test_recent_count_reads_this_window_and_the_one_before(session: AsyncSession) -> None:
    await ratelimit.hit(session, HOURLY, "k", NOON)
    assert await ratelimit.recent_count(session, HOURLY, "k", NOON + timedelta(minutes=70)) == 1
    assert await ratelimit.recent_count(session, HOURLY, "k", NOON + timedelta(minutes=130)) == 0


async def test_purge_removes_only_windows_nobody_reads_and_is_bounded(
    session: AsyncSession,
) -> None:
    for hour in range(5):
        await ratelimit.hit(session, HOURLY, "k", NOON + timedelta(hours=hour))
    now = NOON + timedelta(hours=4, minutes=30)  # windows of 12:00..14:00 are past reading
    assert await ratelimit.purge_expired(session, now, limit=2) == 2
    assert await ratelimit.purge_expired(session, now, limit=2) == 1
    assert await ratelimit.purge_expired(session, now, limit=2) == 0
    assert await ratelimit.recent_count(session, HOURLY, "k", now) == 2


async def test_fifty_events_at_once_are_fifty(database_url: str) -> None:
    """No read-then-write: concurrent hits on PostgreSQL are counted exactly."""
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    limit = Limit("test:burst", 5, timedelta(hours=1))

    async def one() -> bool:
        async with sessions() as session:
            verdict = await ratelimit.hit(session, limit, "k", NOON)
            await session.commit()
            return verdict.allowed

    try:
        allowed = await asyncio.gather(*(one() for _ in range(50)))
        async with sessions() as session:
            stored = await session.scalar(select(func.sum(RateLimitCounter.count)))
    finally:
        await engine.dispose()
    assert sum(allowed) == 5
    assert stored == 50
