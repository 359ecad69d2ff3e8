"""Counting requests in fixed windows, in the database, so every process shares one count.

A limit allows so many events per window (`Limit`); windows are fixed slices of time
(window-long, counted from the Unix epoch), so a limit is easy to explain ("at most 20 an
hour"), at the cost of allowing up to twice the rate across a window's edge. Each event is
one `INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`: the database
serialises concurrent increments of one counter, so fifty requests at once are counted as
fifty, on PostgreSQL as on SQLite, and the answer is read in the same statement.

The increment is part of the caller's transaction: a request that rolls back takes its
event back. Callers that must count an event whatever happens next (a failed password)
commit it at once.

What is counted is never stored as given: keys are HMACs under the server's secret of the
email, address or phone they stand for, so the table holds no personal data. Windows
outlive their end by one more window, until `purge_expired` removes them.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Index, Integer, String, bindparam, delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.clock import utcnow

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RateLimitCounter(Base):
    """How many events one key had in one window of one limit."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (Index("ix_rate_limit_counters_expires_at", "expires_at"),)

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The limit's name, e.g. `sign-in-codes:address`."""
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """HMAC-SHA256 (hex) of what is counted, never the email, address or phone itself;
    counters of refusals use the reason, which names nobody."""
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column()
    """One window after the window's end: `recent_count` still reads the window before the
    current one; after this the row counts for nothing and may be purged."""


@dataclass(frozen=True, slots=True)
class Limit:
    bucket: str
    allowed: int
    """Events allowed per window; the next one is refused."""
    window: timedelta


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    count: int
    """Events in the current window, this one included."""
    retry_after_seconds: int
    """Seconds until the window ends, when a refused event could be tried again."""


def counter_key(secret: str, *parts: str) -> str:
    """The stored key of what is counted (an email, an address, a phone, or several)."""
    message = "\x1f".join(parts).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def window_of(limit: Limit, now: datetime) -> tuple[datetime, datetime]:
    """The start and end of the window `now` falls in."""
    size = limit.window.total_seconds()
    index = math.floor((now - _EPOCH).total_seconds() / size)
    start = _EPOCH + timedelta(seconds=index * size)
    return start, start + limit.window


def _verdict(limit: Limit, count: int, end: datetime, now: datetime, allowed: bool) -> Verdict:
    wait = max(1, math.ceil((end - now).total_seconds()))
    return Verdict(allowed=allowed, count=count, retry_after_seconds=wait)


def _count_one(insert: Any) -> Any:
    """`INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`, built once
    per dialect: every text and sign-in attempt runs it, and building it anew each time
    cost more than the database's work."""
    table = RateLimitCounter.__table__
    return (
        insert(table)  # the table, not the class: the ORM's bulk-insert path costs more
        .values(
            bucket=bindparam("bucket"),
            key=bindparam("key"),
            window_start=bindparam("window_start"),
            count=1,
            expires_at=bindparam("expires_at"),
        )
        .on_conflict_do_update(
            index_elements=["bucket", "key", "window_start"],
            set_={"count": table.c.count + 1},
        )
        .returning(table.c.count)
    )


_COUNT_ONE = {"postgresql": _count_one(postgresql.insert), "sqlite": _count_one(sqlite.insert)}


async def hit(
    session: AsyncSession, limit: Limit, key: str, now: datetime | None = None
) -> Verdict:
    """Count one event; `allowed` is False when it goes over the limit (it still counts)."""
    now = now or utcnow()
    start, end = window_of(limit, now)
    statement = _COUNT_ONE[session.get_bind().dialect.name]
    values = {
        "bucket": limit.bucket,
        "key": key,
        "window_start": start,
        "expires_at": end + limit.window,
    }
    count = int((await session.execute(statement, values)).scalar_one())
    return _verdict(limit, count, end, now, count <= limit.allowed)


async def peek(
    session: AsyncSession, limit: Limit, key: str, now: datetime | None = None
) -> Verdict:
    """Whether one more event would be allowed, without counting it."""
    now = now or utcnow()
    start, end = window_of(limit, now)
    count = await session.scalar(
        select(RateLimitCounter.count).where(
            RateLimitCounter.bucket == limit.bucket,
            RateLimitCounter.key == key,
            RateLimitCounter.window_start == start,
        )
    )
    return _verdict(limit, count or 0, end, now, (count or 0) < limit.allowed)


async def recent_count(
    session: AsyncSession, limit: Limit, key: str, now: datetime | None = None
) -> int:
    """Events in the current window and the one before: "seen within one to two windows",
    without the count falling to zero the moment a window turns."""
    start, _ = window_of(limit, now or utcnow())
    total = await session.scalar(
        select(func.coalesce(func.sum(RateLimitCounter.count), 0)).where(
            RateLimitCounter.bucket == limit.bucket,
            RateLimitCounter.key == key,
            RateLimitCounter.window_start.in_([start - limit.window, start]),
        )
    )
    return int(total or 0)


async def forgive(
    session: AsyncSession, limit: Limit, key: str, now: datetime | None = None
) -> None:
    """Take back one event of the current window (an attempt that turned out fine)."""
    start, _ = window_of(limit, now or utcnow())
    await session.execute(
        update(RateLimitCounter)
        .where(
            RateLimitCounter.bucket == limit.bucket,
            RateLimitCounter.key == key,
            RateLimitCounter.window_start == start,
            RateLimitCounter.count > 0,
        )
        .values(count=RateLimitCounter.count - 1)
    )


async def clear(session: AsyncSession, limit: Limit, key: str) -> None:
    """Forget every event of `key` under this limit."""
    await session.execute(
        delete(RateLimitCounter).where(
            RateLimitCounter.bucket == limit.bucket, RateLimitCounter.key == key
        )
    )


async def counts_since(
    session: AsyncSession, bucket_prefix: str, since: datetime
) -> dict[str, int]:
    """Events by `bucket:key` for buckets starting with `bucket_prefix`, in windows started
    at or after `since`: for counters whose keys name nobody, such as refusal reasons."""
    rows = await session.execute(
        select(RateLimitCounter.bucket, RateLimitCounter.key, RateLimitCounter.count).where(
            RateLimitCounter.bucket.startswith(bucket_prefix, autoescape=True),
            RateLimitCounter.window_start >= since,
        )
    )
    totals: dict[str, int] = {}
    for bucket, key, count in rows:
        name = f"{bucket}:{key}"
        totals[name] = totals.get(name, 0) + int(count)
    return totals


async def purge_expired(
    session: AsyncSession, now: datetime | None = None, limit: int = 1000
) -> int:
    """Delete up to `limit` windows that ended before `now`; returns how many went.

    Bounded so that each sweep is a short transaction; the caller commits and sweeps again
    while it keeps returning `limit`.
    """
    victims = (
        select(RateLimitCounter.bucket, RateLimitCounter.key, RateLimitCounter.window_start)
        .where(RateLimitCounter.expires_at < (now or utcnow()))
        .order_by(RateLimitCounter.expires_at)
        .limit(limit)
    )
    columns = tuple_(RateLimitCounter.bucket, RateLimitCounter.key, RateLimitCounter.window_start)
    result = await session.execute(delete(RateLimitCounter).where(columns.in_(victims)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
