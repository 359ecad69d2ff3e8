"""Shared fixtures: every database test runs on PostgreSQL and on SQLite.

`session` is a session inside a transaction that is rolled back after the test (the code
under test may commit: it commits a SAVEPOINT). `database_url` is a fresh, migrated
database of the test's own, for tests that drive the whole app and really commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.db import create_engine
from tests.databases import (
    PostgresDatabases,
    SqliteDatabases,
    migrate,
    postgres_server_url,
)

BACKENDS = ("postgresql", "sqlite")


@pytest.fixture(scope="session")
async def postgres_template() -> AsyncIterator[tuple[PostgresDatabases, str]]:
    databases = PostgresDatabases(postgres_server_url())
    try:
        template = await databases.create()
    except Exception as exc:  # an unreachable server is a setup error, said clearly
        pytest.fail(
            f"PostgreSQL is not reachable at {postgres_server_url()}: {exc}. "
            "Start it (see .ci/run) or set MUTUA_TEST_DATABASE_URL.",
            pytrace=False,
        )
    await asyncio.to_thread(migrate, databases.url_for(template))
    yield databases, template
    await databases.drop_all()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[SqliteDatabases, Path]:
    databases = SqliteDatabases(tmp_path_factory.mktemp("sqlite"))
    template = databases.create()
    migrate(databases.url_for(template))
    return databases, template


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(
    backend: str,
    postgres_template: tuple[PostgresDatabases, str],
    sqlite_template: tuple[SqliteDatabases, Path],
) -> str:
    """A fresh migrated database of this test's own (a clone of the migrated template)."""
    if backend == "postgresql":
        databases, template = postgres_template
        return databases.url_for(await databases.create(template=template))
    sqlite, path = sqlite_template
    return sqlite.url_for(sqlite.create(template=path))


@pytest.fixture(scope="session")
async def shared_engines() -> AsyncIterator[dict[str, AsyncEngine]]:
    engines: dict[str, AsyncEngine] = {}
    yield engines
    for engine in engines.values():
        await engine.dispose()


@pytest.fixture
async def engine(
    backend: str,
    postgres_template: tuple[PostgresDatabases, str],
    sqlite_template: tuple[SqliteDatabases, Path],
    shared_engines: dict[str, AsyncEngine],
) -> AsyncEngine:
    """An engine on the run's shared migrated database of this backend."""
    if backend not in shared_engines:
        if backend == "postgresql":
            databases, template = postgres_template
            url = databases.url_for(await databases.create(template=template))
        else:
            sqlite, path = sqlite_template
            url = sqlite.url_for(sqlite.create(template=path))
        shared_engines[backend] = create_engine(url)
    return shared_engines[backend]


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose work is rolled back after the test, commits included."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        db = AsyncSession(
            bind=connection,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )
        try:
            yield db
        finally:
            await db.close()
            if transaction.is_active:
                await transaction.rollback()
