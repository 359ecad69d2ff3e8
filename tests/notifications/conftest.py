"""Fixtures for outbox tests: sessions on a database of the test's own, and helpers.

The dispatcher commits each step, so its tests run on a fresh database (`database_url`)
where no other test's messages can be claimed, rather than in a rolled-back session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import create_engine, session_factory


@pytest.fixture
async def factory(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
