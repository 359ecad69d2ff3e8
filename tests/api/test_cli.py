"""The `mutua` command on real databases: migrate, seed the demo, create administrators."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from api.cli import main
from core.db import create_engine, session_factory
from income.models import IncomeRecord
from pools.admins import create_admin
from pools.ledger_queries import balance_drift, balances_by_currency
from pools.models import Administrator, Membership, Pool, PoolAdministrator, Worker
from pools.service import create_pool


def run(database_url: str, *args: str) -> tuple[int, str]:
    runner = CliRunner()
    result = runner.invoke(
        main,
        list(args),
        env={
            "MUTUA_DATABASE_URL": database_url,
            "MUTUA_SECRET_KEY": "cli-test-secret",
            "MUTUA_SMS_PROVIDER": "memory",
        },
        catch_exceptions=False,
    )
    return result.exit_code, result.output


async def _demo_facts(database_url: str) -> dict[str, object]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return {
                "pools": await session.scalar(select(func.count()).select_from(Pool)),
                "workers": await session.scalar(select(func.count()).select_from(Worker)),
                "members": await session.scalar(select(func.count()).select_from(Membership)),
                "income_minor": await session.scalar(select(func.sum(IncomeRecord.amount_minor))),
                "platforms": await session.scalar(
                    select(func.count(func.distinct(IncomeRecord.platform)))
                ),
                "months": await session.scalar(
                    select(func.count(func.distinct(IncomeRecord.period)))
                ),
                "sums": await balances_by_currency(session),
                "drift": await balance_drift(session),
            }
    finally:
        await engine.dispose()


def test_demo_seed_builds_a_balanced_co_op_once(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the demo password file lands in var/ of the working folder
    code, output = run(database_url, "db", "upgrade")
    assert code == 0, output

    code, output = run(database_url, "demo", "seed", "--if-empty", "--seed", "3")
    assert code == 0, output
    assert "admin@demo.mutua.coop" in output
    assert "+1415555" in output
    facts = asyncio.run(_demo_facts(database_url))
    assert facts["pools"] == 1
    assert facts["workers"] == facts["members"] == 36
    assert int(facts["platforms"]) >= 3  # type: ignore[call-overload]
    assert facts["months"] == 24
    assert facts["sums"] == {"USD": 0}
    assert facts["drift"] == {}

    password = (tmp_path / "var" / "demo-admin.txt").read_text().split()[1]
    code, again = run(database_url, "demo", "seed", "--if-empty")
    assert code == 0
    assert "already" in again and password in again
    assert asyncio.run(_demo_facts(database_url))["income_minor"] == facts["income_minor"]

    code, _ = run(database_url, "demo", "seed")
    assert code == 1  # without --if-empty a seeded database is an error, not a silent no-op


def test_admin_create_refuses_weak_passwords_and_duplicates(database_url: str) -> None:
    code, output = run(database_url, "admin", "create", "--email", "a@coop.org", "--password", "x")
    assert code != 0 and "12 characters" in output
    strong = ["admin", "create", "--email", "a@coop.org", "--password", "long enough pass"]
    code, output = run(database_url, *strong)
    assert code == 0, output
    code, output = run(database_url, *strong)
    assert code != 0 and "exists" in output


async def _founded_pool(database_url: str) -> str:
    """The id of a pool founded by founder@coop.org."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            founder = await create_admin(session, "founder@coop.org", "long enough pass")
            pool = await create_pool(session, founder.id, name="Bay Riders", currency="USD")
            await session.commit()
            return str(pool.id)
    finally:
        await engine.dispose()


async def _emails_running(database_url: str, pool_id: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.scalars(
                select(Administrator.email)
                .join(PoolAdministrator, PoolAdministrator.administrator_id == Administrator.id)
                .where(PoolAdministrator.pool_id == uuid.UUID(pool_id))
                .order_by(Administrator.email)
            )
            return list(rows)
    finally:
        await engine.dispose()


def test_admin_grant_gives_an_administrator_a_pool(database_url: str) -> None:
    pool_id = asyncio.run(_founded_pool(database_url))
    code, output = run(
        database_url, "admin", "create", "--email", "b@coop.org", "--password", "long enough pass"
    )
    assert code == 0 and "(admin)" in output, output
    code, output = run(database_url, "admin", "grant", "--email", "B@coop.org", "--pool", pool_id)
    assert code == 0 and "now runs the pool Bay Riders" in output, output
    code, output = run(database_url, "admin", "grant", "--email", "b@coop.org", "--pool", pool_id)
    assert code == 0 and "already ran" in output, output
    assert asyncio.run(_emails_running(database_url, pool_id)) == [
        "b@coop.org",
        "founder@coop.org",
    ]
    code, output = run(database_url, "admin", "grant", "--email", "x@coop.org", "--pool", pool_id)
    assert code != 0 and "mutua admin create" in output
    code, output = run(database_url, "admin", "grant", "--email", "b@coop.org", "--pool", "42")
    assert code != 0 and "UUID" in output


def test_the_role_option_says_what_each_role_may_do() -> None:
    result = CliRunner().invoke(main, ["admin", "create", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "operator: runs the service, sees every pool" in text
    assert "[default: admin]" in text
