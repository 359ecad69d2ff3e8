"""Real databases for the tests, built by the real migrations.

Each test run gets databases of its own (a uniquely named PostgreSQL database, a SQLite file
in a temporary folder), so runs on one machine never see each other's rows. A migrated
database serves as a template: tests that need a database nobody else touches (the HTTP
end-to-end tests, which commit) get a fresh clone of it in milliseconds.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def postgres_server_url() -> str:
    return os.environ.get("MUTUA_TEST_DATABASE_URL", DEFAULT_PG_URL)


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    return config


def migrate(url: str) -> None:
    """`alembic upgrade head`, the only way a schema is built, in tests as in production."""
    command.upgrade(alembic_config(url), "head")


class PostgresDatabases:
    """Creates and drops uniquely named databases on the test server."""

    def __init__(self, server_url: str) -> None:
        self.server_url = make_url(server_url)
        self.created: list[str] = []

    def url_for(self, name: str) -> str:
        return self.server_url.set(database=name).render_as_string(hide_password=False)

    async def _admin(self) -> asyncpg.Connection:
        url = self.server_url
        return await asyncpg.connect(
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password,
            database=url.database or "postgres",
        )

    async def create(self, template: str | None = None) -> str:
        name = f"mutua_test_{uuid.uuid4().hex[:12]}"
        conn = await self._admin()
        try:
            suffix = f' TEMPLATE "{template}"' if template else ""
            await conn.execute(f'CREATE DATABASE "{name}"{suffix}')
        finally:
            await conn.close()
        self.created.append(name)
        return name

    async def drop_all(self) -> None:
        """Drop every database this run made, all at once.

        PostgreSQL checkpoints on each DROP DATABASE; dropped concurrently, the drops share
        checkpoints, which turns minutes of teardown into seconds.
        """
        clones, templates = self.created[1:], self.created[:1]
        slots = asyncio.Semaphore(16)  # well under the server's connection limit

        async def drop(name: str) -> None:
            async with slots:
                await _drop(name)

        async def _drop(name: str) -> None:
            conn = await self._admin()
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()

        await asyncio.gather(*(drop(name) for name in clones))
        for name in templates:
            await drop(name)
        self.created.clear()


class SqliteDatabases:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def url_for(self, path: Path) -> str:
        return f"sqlite+aiosqlite:///{path}"

    def create(self, template: Path | None = None) -> Path:
        self.count += 1
        path = self.folder / f"mutua_{self.count}.db"
        if template is not None:
            shutil.copyfile(template, path)
        return path
