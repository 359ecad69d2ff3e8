"""Alembic environment: one migration history for PostgreSQL and SQLite.

Batch mode lets the same migration alter tables on SQLite, which cannot ALTER most things.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from core.base import Base
from core.db import create_engine
from core.settings import DEFAULT_DATABASE_URL

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def load_all_models() -> MetaData:
    """Import every table module so the metadata Alembic compares against is complete."""
    import api.idempotency_models  # noqa: F401
    import appeals.models  # noqa: F401
    import audit.models  # noqa: F401
    import banks.models  # noqa: F401
    import benefits.models  # noqa: F401
    import channels.models  # noqa: F401
    import core.ratelimit  # noqa: F401
    import income.models  # noqa: F401
    import notifications.models  # noqa: F401
    import pools.ledger_models
    import pools.models  # noqa: F401
    import runs.models  # noqa: F401
    import votes.models  # noqa: F401

    return Base.metadata


target_metadata = load_all_models()


def database_url() -> str:
    return (
        config.attributes.get("database_url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("MUTUA_DATABASE_URL", DEFAULT_DATABASE_URL)
    )


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_engine(database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    existing = config.attributes.get("connection")
    if existing is not None:
        _run(existing)
    else:
        asyncio.run(run_migrations_online())
