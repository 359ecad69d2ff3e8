"""Database engine and sessions for PostgreSQL (asyncpg) and the embedded SQLite default."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str, pool_size: int = 5, idle_ping_seconds: float | None = None, **kwargs: Any
) -> AsyncEngine:
    """An engine with the per-connection settings Mutua relies on.

    `pool_size` is the PostgreSQL connections kept open (`Settings.database_pool_size` for
    the server; the default suits a command line); a pooled one idle `idle_ping_seconds`
    (default `IDLE_PING_SECONDS`) is pinged before use.

    `hide_parameters` keeps bound values (phone numbers, emails, message bodies) out of the
    text of database errors, which end up in logs.

    SQLite enforces foreign keys only when asked, per connection; WAL lets the web process
    read while the monthly run writes; a busy timeout turns lock contention into waiting.
    """
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Take over transaction control from the driver so SAVEPOINTs work and every
            # transaction takes the write lock up front (no deadlock on lock upgrade).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", pool_size)
    engine = create_async_engine(url, **kwargs)
    _ping_idle_connections(
        engine, IDLE_PING_SECONDS if idle_ping_seconds is None else idle_ping_seconds
    )
    return engine


IDLE_PING_SECONDS = 10.0
"""A pooled PostgreSQL connection idle longer than this is pinged before it is used."""


def _ping_idle_connections(engine: AsyncEngine, idle_seconds: float) -> None:
    """Check a pooled connection before use when it has been idle `idle_seconds` or more.

    A connection idle for a while may have been closed under us (a database restart, a
    proxy's timeout); the ping finds out and the pool hands out a fresh connection instead.
    SQLAlchemy's own `pool_pre_ping` pings before every use, and with asyncpg a ping is
    three round trips (BEGIN, a query, ROLLBACK): more than a text's whole conversation
    costs the database. A connection in steady use is not pinged; one broken while in use
    fails its request once and the pool drops every connection made before the failure.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise DisconnectionError(f"an idle connection failed its ping: {error}") from error


async def lock_for_transaction(session: AsyncSession, name: str) -> None:
    """Wait until no other transaction holds the lock `name`, then hold it until commit.

    For a check that must see every write of the others before making its own (a count
    capped at five, then an insert): on PostgreSQL a transaction-level advisory lock keyed
    by a hash of the name; SQLite needs none, as every transaction there takes the
    database's write lock when it begins (`BEGIN IMMEDIATE`, above).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    key = int.from_bytes(digest, "big", signed=True)
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
