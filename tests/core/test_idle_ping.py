"""A pooled PostgreSQL connection closed under us while idle is replaced, not used.

The server's own backend is ended from another connection (as a database restart or a
proxy's idle timeout would end it); the next request must still be answered.
"""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.db import create_engine
from tests.databases import PostgresDatabases


async def _terminate(url: str, pid: int) -> None:
    parts = make_url(url)
    admin = await asyncpg.connect(
        host=parts.host, port=parts.port or 5432, user=parts.username, database=parts.database
    )
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        for _ in range(100):  # termination is signalled: wait until the backend is gone
            gone = not await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid
            )
            if gone:
                break
            await asyncio.sleep(0.05)
    finally:
        await admin.close()


async def test_a_connection_closed_while_idle_is_replaced_before_use(
    postgres_template: tuple[PostgresDatabases, str],
) -> None:
    databases, template = postgres_template
    url = databases.url_for(await databases.create(template=template))
    # Every checkout counts as idle: the ping runs, finds the backend gone, and the pool
    # hands out a fresh connection instead of failing the request.
    engine = create_engine(url, pool_size=1, idle_ping_seconds=0.0, max_overflow=0)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        await _terminate(url, int(first))
        async with engine.connect() as connection:
            second = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
    finally:
        await engine.dispose()
