"""The `mutua` command on real databases: migrate, seed the demo, create administrators."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from api.cli import main
from api.idempotency_models import IdempotencyRecord
from core import ratelimit
from core.clock import utcnow
from core.db import create_engine, session_factory
from core.ratelimit import Limit, RateLimitCounter
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


def test_purge_sweeps_expired_records_and_windows(database_url: str) -> None:
    code, output = run(database_url, "db", "upgrade")
    assert code == 0, output

    async def seed() -> None:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                old = utcnow() - timedelta(days=2)
                for i in range(5):
                    session.add(
                        IdempotencyRecord(
                            principal="worker:x",
                            key=f"k{i}",
                            method="POST",
                            path="/v1/me/income",
                            request_hash="0" * 64,
                            state="completed",
                            created_at=old if i < 3 else utcnow(),
                        )
                    )
                await ratelimit.hit(session, Limit("test", 1, timedelta(minutes=1)), "k", old)
                await session.commit()
        finally:
            await engine.dispose()

    async def left() -> tuple[int, int]:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                records = await session.scalar(select(func.count()).select_from(IdempotencyRecord))
                windows = await session.scalar(select(func.count()).select_from(RateLimitCounter))
                return int(records or 0), int(windows or 0)
        finally:
            await engine.dispose()

    asyncio.run(seed())
    code, output = run(database_url, "purge", "--batch", "2")
    assert code == 0, output
    assert "idempotency records purged: 3" in output
    assert "rate-limit windows purged: 1" in output
    assert asyncio.run(left()) == (2, 0)
