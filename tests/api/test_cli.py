"""The `mutua` command on real databases: migrate, seed the demo, create administrators."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from actuarial.model import IncomeHistory
from api.cli import main
from api.idempotency_models import IdempotencyRecord
from core import ratelimit
from core.clock import utcnow
from core.db import create_engine, session_factory
from core.periods import Period
from core.ratelimit import Limit, RateLimitCounter
from income.models import IncomeRecord
from income.service import import_csv, record_manual
from pools.admins import create_admin
from pools.ledger_queries import balance_drift, balances_by_currency
from pools.models import Administrator, Membership, Pool, PoolAdministrator, Worker
from pools.service import create_pool, join_pool


def run(database_url: str, *args: str, sms: str = "memory") -> tuple[int, str]:
    runner = CliRunner()
    result = runner.invoke(
        main,
        list(args),
        env={
            "MUTUA_DATABASE_URL": database_url,
            "MUTUA_SECRET_KEY": "cli-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
            "MUTUA_SMS_PROVIDER": sms,
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

    sms = "file:var/sms-outbox.jsonl"
    code, output = run(database_url, "demo", "seed", "--if-empty", "--seed", "3", sms=sms)
    assert code == 0, output
    assert "admin@demo.mutua.coop" in output
    assert "+1415555" in output
    # Where the sign-in codes are, as a path and a command, not as the setting's syntax.
    assert "appended to var/sms-outbox.jsonl" in output and "file:" not in output
    assert "mutua last-code --phone +14155550100" in output
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


def test_db_upgrade_says_whether_it_created_the_schema(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    code, output = run(url, "db", "upgrade")
    assert code == 0, output
    assert output.startswith("Created the database schema at revision")
    assert str(tmp_path / "new.db") in output
    code, output = run(url, "db", "upgrade")
    assert code == 0 and output.startswith("The database schema is up to date"), output

    older = f"sqlite+aiosqlite:///{tmp_path / 'older.db'}"
    code, output = run(older, "db", "upgrade", "--revision", "0001")
    assert code == 0 and "Created the database schema at revision 0001" in output, output
    code, output = run(older, "db", "upgrade")
    assert code == 0 and output.startswith("Upgraded the database schema from 0001"), output


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


async def _pool_with_income(database_url: str) -> tuple[str, dict[str, str]]:
    """A pool of three: Ana (a statement, then her own figure for September), Ben (a month
    in another currency too) and Cy, who left. Returns the pool id and the workers' ids."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            founder = await create_admin(session, "founder@coop.org", "long enough pass")
            pool = await create_pool(session, founder.id, name="Bay Riders", currency="USD")
            ids: dict[str, str] = {}
            for name, phone in (
                ("Ana", "+14155550121"),
                ("Ben", "+14155550122"),
                ("Cy", "+14155550123"),
            ):
                worker = Worker(phone_e164=phone, timezone="UTC", sms_opted_out=False, name=name)
                session.add(worker)
                await session.flush()
                member, _, _ = await join_pool(session, worker, pool.join_code)
                ids[name] = str(worker.id)
                if name == "Cy":
                    member.status = "left"
            statement = b"date,platform,amount\n2026-08-03,uber,10.50\n2026-09-01,uber,20.00\n"
            await import_csv(session, uuid.UUID(ids["Ana"]), statement, currency="USD")
            for who, platform, amount, currency in (
                ("Ana", "uber", 99_900, "USD"),
                ("Ben", "lyft", 1500, "USD"),
                ("Ben", "doordash", 700, "EUR"),
                ("Cy", "lyft", 1, "USD"),
            ):
                await record_manual(
                    session,
                    uuid.UUID(ids[who]),
                    platform=platform,
                    period=Period(2026, 9),
                    amount_minor=amount,
                    currency=currency,
                )
            await session.commit()
            return str(pool.id), ids
    finally:
        await engine.dispose()


def test_income_export_writes_the_forecast_history_of_a_pool(
    database_url: str, tmp_path: Path
) -> None:
    pool_id, ids = asyncio.run(_pool_with_income(database_url))
    out = tmp_path / "history.csv"
    code, output = run(database_url, "income", "export", "--pool", pool_id, "--out", str(out))
    assert code == 0, output
    assert "3 month figures of 2 members of Bay Riders in USD" in output
    assert "1 month figures in other currencies left out" in output
    lines = out.read_text().splitlines()
    assert lines[0] == "worker_id,platform,month,amount"
    assert sorted(lines[1:]) == sorted(
        [
            f"{ids['Ana']},uber,2026-08,10.50",
            f"{ids['Ana']},uber,2026-09,999.00",  # her own figure stands for the statement's
            f"{ids['Ben']},lyft,2026-09,15.00",
        ]
    )
    history = IncomeHistory.from_csv(out)  # what python -m actuarial forecast reads
    assert sorted(history.worker_ids) == sorted([ids["Ana"], ids["Ben"]])

    code, output = run(database_url, "income", "export", "--pool", str(uuid.uuid4()))
    assert code != 0 and "no pool has the id" in output


def test_last_code_says_why_it_cannot_read_a_code(database_url: str) -> None:
    code, output = run(database_url, "last-code", "--phone", "+14155550100")
    assert code != 0 and "MUTUA_SMS_PROVIDER=file:PATH" in output
    sms = "file:var/sms-outbox.jsonl"
    code, output = run(database_url, "last-code", "--phone", "4155550100", sms=sms)
    assert code != 0 and "country code" in output
    code, output = run(database_url, "last-code", "--phone", "+14155550100", sms=sms)
    assert code != 0 and "POST /v1/auth/otp first" in output
