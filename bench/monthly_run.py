"""Time a whole monthly run: `python bench/monthly_run.py --members N --database URL`.

Seeds a fresh database (through the migrations) with one pool of N members and 24 months of
synthetic income on several platforms, a savings deposit each and an opening reserve; stores
a population fit for the pool (unless `--refit`, which times the population refit inside the
run); runs the last month and prints each step's seconds, the total, members per second and
the peak resident memory. On PostgreSQL it also times `COPY` of the rows the run wrote into
empty copies of their tables, the floor any writer of those rows has to pay.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

import asyncpg
import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actuarial.synthetic import generate_population
from core.clock import utcnow
from core.db import create_engine, is_sqlite, session_factory
from core.ids import new_id
from core.periods import Period
from income.models import IncomeRecord, IncomeSource
from pools.admins import create_admin
from pools.ledger import (
    TransferRequest,
    open_accounts_for_members,
    open_pool_accounts,
    post_transfers,
)
from pools.models import Membership, Worker
from pools.service import create_pool
from runs.config import RunConfig
from runs.fits import PRIOR_FIT
from runs.models import ModelFit, MonthlyRun
from runs.runner import MonthlyRunner
from tests.databases import PostgresDatabases, migrate

MONTHS = 24
WRITTEN = ("member_plans", "decisions", "ledger_transfers", "outbox_messages", "run_chunks")


async def fresh_database(url: str) -> tuple[str, PostgresDatabases | None]:
    if is_sqlite(url):
        path = Path(tempfile.mkdtemp()) / "bench.db"
        fresh = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(migrate, fresh)
        return fresh, None
    databases = PostgresDatabases(url)
    name = await databases.create()
    fresh = databases.url_for(name)
    await asyncio.to_thread(migrate, fresh)
    return fresh, databases


async def seed(url: str, n: int, seed_value: int) -> tuple[uuid.UUID, Period]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        admin = await create_admin(session, "bench@mutua.example.org", "bench-password-123")
        pool = await create_pool(session, admin.id, name="Bench Co-op", currency="USD")
        await session.commit()
        period = Period.current(pool.timezone).shift(-1)
        first = period.shift(-(MONTHS - 1))
        population = generate_population(n, MONTHS, seed=seed_value, start_month=str(first))
        now = utcnow()
        workers = [new_id() for _ in range(n)]
        await session.execute(
            Worker.__table__.insert(),
            [
                {"id": w, "phone_e164": f"+1415{7000000 + i:07d}", "name": None,
                 "language": None, "timezone": "UTC", "sms_opted_out": False, "created_at": now}
                for i, w in enumerate(workers)
            ],
        )  # fmt: skip
        labels = population.months
        await session.execute(
            Membership.__table__.insert(),
            [
                {"id": new_id(), "pool_id": pool.id, "worker_id": w, "status": "active",
                 "joined_on": Period.parse(labels[int(population.first_month[i])]).first_day,
                 "left_on": None, "created_at": now}
                for i, w in enumerate(workers)
            ],
        )  # fmt: skip
        # Each month's income reported on the 1st of the next, before every run's cut-off.
        reported = [
            min(datetime.combine(Period.parse(m).shift(1).first_day, dtime(), UTC), now)
            for m in labels
        ]
        sources: dict[tuple[int, int], uuid.UUID] = {}
        records = []
        cents = np.rint(population.amounts * 100).astype(np.int64)
        for i, p, t in zip(*np.nonzero(cents > 0), strict=True):
            key = (int(i), int(p))
            if key not in sources:
                sources[key] = new_id()
            records.append(
                (new_id(), workers[i], sources[key], population.platforms[p], "csv", labels[t],
                 None, int(cents[i, p, t]), "USD", f"bench:{labels[t]}", reported[t])
            )  # fmt: skip
        await session.execute(
            IncomeSource.__table__.insert(),
            [
                {"id": s, "worker_id": workers[i], "kind": "csv",
                 "platform": population.platforms[p], "created_at": now}
                for (i, p), s in sources.items()
            ],
        )  # fmt: skip
        await session.commit()
        columns = [c.name for c in IncomeRecord.__table__.columns]
        if is_sqlite(url):
            for k in range(0, len(records), 50_000):
                await session.execute(
                    IncomeRecord.__table__.insert(),
                    [dict(zip(columns, r, strict=True)) for r in records[k : k + 50_000]],
                )
        else:
            raw = await (await session.connection()).get_raw_connection()
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                "income_records", records=records, columns=columns
            )
        accounts = await open_pool_accounts(session, pool)
        members = await open_accounts_for_members(session, pool, workers)
        deposits = [
            TransferRequest(
                id=uuid.uuid5(uuid.NAMESPACE_OID, f"bench:deposit:{w}"),
                debit_account_id=accounts.world.id,
                credit_account_id=members[w].savings.id,
                amount_minor=int(20_000 + (i * 7919) % 80_000),
                currency="USD",
                reason="income_saved",
                period=str(period),
            )
            for i, w in enumerate(workers)
        ]
        deposits.append(
            TransferRequest(
                id=uuid.uuid4(), debit_account_id=accounts.world.id,
                credit_account_id=accounts.reserve.id, amount_minor=30_000 * n,
                currency="USD", reason="reserve_funding", period=str(period),
            )
        )  # fmt: skip
        for k in range(0, len(deposits), 1000):
            await post_transfers(session, deposits[k : k + 1000])
            await session.commit()
        pool_id = pool.id
    await engine.dispose()
    return pool_id, period


async def store_pool_fit(url: str, pool_id: uuid.UUID) -> None:
    """The pool's own population fit, as a previous run would have left it."""
    from actuarial.model import MODEL_VERSION, IncomeModel

    engine = create_engine(url)
    async with session_factory(engine)() as session:
        model = IncomeModel.from_bytes(PRIOR_FIT.read_bytes())
        session.add(
            ModelFit(scope="pool", scope_key=str(pool_id), model_id=model.model_id,
                     version=MODEL_VERSION, status="ok", fitted_at=utcnow(), n_workers=0,
                     seconds=0.0, diagnostics={}, params=PRIOR_FIT.read_bytes())
        )  # fmt: skip
        await session.commit()
    await engine.dispose()


async def copy_floor(url: str, run_id: uuid.UUID, period: str) -> tuple[float, int]:
    """Seconds to COPY the rows the run wrote into empty tables of the same shape."""
    target = make_url(url)
    connection = await asyncpg.connect(
        host=target.host, port=target.port or 5432, user=target.username or "postgres",
        database=target.database,
    )  # fmt: skip
    filters = {
        "member_plans": f"run_id = '{run_id}'",
        "decisions": f"run_id = '{run_id}'",
        "ledger_transfers": f"period = '{period}' AND reason NOT IN "
        "('income_saved', 'reserve_funding')",
        "outbox_messages": "dedup_key LIKE 'run:%'",
        "run_chunks": f"run_id = '{run_id}'",
    }
    total, rows = 0.0, 0
    try:
        for table in WRITTEN:
            records = await connection.fetch(f"SELECT * FROM {table} WHERE {filters[table]}")
            columns = list(records[0].keys()) if records else []
            await connection.execute(
                f"CREATE TEMP TABLE copy_{table} (LIKE {table} INCLUDING DEFAULTS)"
            )
            started = time.perf_counter()
            if records:
                await connection.copy_records_to_table(
                    f"copy_{table}", records=[tuple(r) for r in records], columns=columns
                )
            total += time.perf_counter() - started
            rows += len(records)
    finally:
        await connection.close()
    return total, rows


def report_run(run: MonthlyRun, members: int, seconds: float, first: bool) -> None:
    kind = (
        "first month (baselines forecast from the month before)"
        if first
        else ("a following month (baselines from the previous plans)")
    )
    print(f"{run.period}: {kind}; fit {run.report.get('fit_scope')}: "
          f"{'; '.join(run.report.get('model', []))}")  # fmt: skip
    for step, value in run.report.get("seconds", {}).items():
        print(f"  {step:<14} {value:8.2f} s")
    print(f"  {'total':<14} {seconds:8.2f} s  ({members / seconds:,.0f} members/s)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--database", default="sqlite+aiosqlite:///var/bench.db")
    parser.add_argument("--refit", action="store_true", help="time the population refit too")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--months",
        type=int,
        default=2,
        help="months run in a row; the first sets the baselines the next ones reuse",
    )
    args = parser.parse_args()

    url, databases = await fresh_database(args.database)
    try:
        started = time.perf_counter()
        pool_id, period = await seed(url, args.members, args.seed)
        print(f"seeded {args.members} members x {MONTHS} months in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        if not args.refit:
            await store_pool_fit(url, pool_id)
        engine = create_engine(url)
        sessions = session_factory(engine)
        for back in range(args.months - 1, -1, -1):
            started = time.perf_counter()
            month = period.shift(-back)
            outcome = await MonthlyRunner(sessions, RunConfig()).run(pool_id, month)
            seconds = time.perf_counter() - started
            async with sessions() as session:
                run = await session.get(MonthlyRun, outcome.run_id)
                assert run is not None
            report_run(run, args.members, seconds, back == args.months - 1)
        async with sessions() as session:
            run = await session.get(MonthlyRun, outcome.run_id)
            assert run is not None
            written = {}
            for table in WRITTEN:
                written[table] = await session.scalar(
                    select(func.count()).select_from(__import__("sqlalchemy").table(table))
                )
        await engine.dispose()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"database: {make_url(url).get_backend_name()}  peak RSS {rss:.0f} MiB")
        print(f"  rows written (all months): {written}")
        if databases is not None:
            floor, rows = await copy_floor(url, run.id, run.period)
            print(f"  COPY of the same {rows} rows: {floor:.2f} s; run / COPY = "
                  f"{seconds / floor:.1f}x")  # fmt: skip
    finally:
        if databases is not None:
            await databases.drop_all()


if __name__ == "__main__":
    asyncio.run(main())
