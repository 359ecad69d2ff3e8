"""The `mutua` command on real databases: migrate, seed the demo, create administrators."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from api.cli import main
from core.db import create_engine, session_factory
from income.models import IncomeRecord
from pools.ledger_queries import balance_drift, balances_by_currency
from pools.models import Membership, Pool, Worker


def run(database_url: str, *args: str) -> tuple[int, str]:
    runner = CliRunner()
    result = runner.invoke(
        main,
        list(args),
        env={
            "MUTUA_DATABASE_URL": database_url,
            "MUTUA_SECRET_KEY": "cli-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
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


def test_refusals_are_listed_by_reason(database_url: str) -> None:
    code, output = run(database_url, "refusals", "--hours", "2")
    assert code == 0, output
    assert "refused in the last 2 h" in output
    for reason in ("number-type", "per-address", "per-phone", "hourly-budget"):
        assert reason in output
