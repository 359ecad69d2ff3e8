"""A pooled PostgreSQL connection closed under us while idle is replaced, not used.

The server's own backend is ended from another connection (as a database restart or a
proxy's idle timeout would end it); the next request must still be answered.
"""

from __future__ import annotations

import asyncpg
import pytest
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
    finally:
        await admin.close()


@pytest.mark.parametrize("idle_seconds", [0.0, 3600.0], ids=["pinged", "not-yet-idle"])
async def test_a_connection_closed_while_idle(
    postgres_template: tuple[PostgresDatabases, str], idle_seconds: float
) -> None:
    databases, template = postgres_template
    url = databases.url_for(await databases.create(template=template))
    engine = create_engine(url, pool_size=1, idle_ping_seconds=idle_seconds, max_overflow=0)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        await _terminate(url, int(first))
        if idle_seconds == 0.0:
            # Idle past the threshold: pinged, found dead, replaced before use.
            async with engine.connect() as connection:
                second = await connection.scalar(text("SELECT pg_backend_pid()"))
            assert second != first
        else:
            # In steady use a connection is not pinged: the one request on the dead
            # connection fails, and the pool replaces it for the next.
            with pytest.raises(Exception, match=r"(?i)connection|closed|terminat"):
                async with engine.connect() as connection:
                    await connection.scalar(text("SELECT 1"))
            async with engine.connect() as connection:
                assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
