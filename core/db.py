"""Database engine and sessions for PostgreSQL (asyncpg) and the embedded SQLite default."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, pool_size: int = 5, **kwargs: Any) -> AsyncEngine:
    """An engine with the per-connection settings Mutua relies on.

    `pool_size` is the PostgreSQL connections kept open (`Settings.database_pool_size` for
    the server; the default suits a command line).

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
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", pool_size)
    return create_async_engine(url, **kwargs)


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
