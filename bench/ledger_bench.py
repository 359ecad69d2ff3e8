"""Transfers per second the ledger posts, in batches, each batch its own transaction.

    .venv/bin/python bench/ledger_bench.py --database URL [--transfers N] [--batch B]
                                           [--members M]

The monthly run posts about 120,000 transfers for a 100,000-member pool in transactions of
about 1,000, and must finish in under 60 seconds on PostgreSQL on a 2-core machine. This
measures that shape on a fresh database built by the migrations:

- PostgreSQL: URL names a server (for example postgresql+asyncpg://postgres@127.0.0.1:5432/
  postgres); a uniquely named database is created on it and dropped at the end.
- SQLite: sqlite+aiosqlite:// uses a file in a temporary folder; a URL with a path names a
  file that must not exist yet, and is removed at the end.

M members (N by default) get their accounts first, outside the timing. The N transfers come
in pairs per member, as the monthly run's do: income set aside (world to savings), then a
contribution out of that same money (savings to reserve), so half the transfers spend what
the one before credited and every batch debits the hot world account and credits the
reserve. Then every batch is posted again, as a resumed run would, which must be a replay.
Statements are counted with a `before_cursor_execute` listener on the engine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from core.clock import utcnow
from core.db import create_engine, is_sqlite, session_factory
from core.ids import new_id, new_join_code
from pools.ledger import TransferRequest, open_pool_accounts, post_transfers
from pools.ledger_models import LedgerAccount
from pools.ledger_queries import balance_drift, balances_by_currency
from pools.models import Pool, Worker
from pools.rules import merge_rules

ROOT = Path(__file__).resolve().parent.parent
CURRENCY = "USD"
SETUP_ROWS = 5_000
"""Rows per INSERT while opening members' accounts (not part of what is measured)."""


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new, empty database for this run, removed afterwards however the run ends."""
    if is_sqlite(url):
        path = make_url(url).database
        if path and path != ":memory:":
            target = Path(path)
            if target.exists():
                raise SystemExit(f"{target} exists; the bench needs a fresh database")
            try:
                yield url
            finally:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)
            return
        folder = tempfile.mkdtemp(prefix="mutua-ledger-bench-")
        try:
            yield make_url(url).set(database=f"{folder}/ledger.db").render_as_string(False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    server = make_url(url)
    name = f"mutua_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(url, f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    """CREATE or DROP DATABASE, which PostgreSQL runs only outside a transaction."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def migrate(url: str) -> None:
    """`alembic upgrade head`: the schema the service runs on, never `create_all`."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


@dataclass
class Books:
    world: uuid.UUID
    reserve: uuid.UUID
    savings: list[uuid.UUID]


async def open_books(engine: AsyncEngine, members: int) -> Books:
    """A pool with its accounts, and `members` workers each with savings and contribution.

    Members' accounts are inserted in bulk with exactly the columns `open_member_accounts`
    writes: opening 100,000 members one call at a time would take longer than the posting
    being measured, and is not what this bench is about.
    """
    async with session_factory(engine)() as session:
        pool = Pool(
            name="Bench riders co-op",
            currency=CURRENCY,
            join_code=new_join_code(12),
            **merge_rules(CURRENCY, {}).as_columns(),
        )
        session.add(pool)
        accounts = await open_pool_accounts(session, pool)
        workers: list[dict[str, Any]] = []
        member_accounts: list[dict[str, Any]] = []
        savings: list[uuid.UUID] = []
        now = utcnow()
        for index in range(members):
            worker_id = new_id()
            workers.append(
                {
                    "id": worker_id,
                    "phone_e164": f"+1555{index:07d}",
                    "name": None,
                    "language": None,
                    "timezone": "UTC",
                    "sms_opted_out": False,
                    "created_at": now,
                }
            )
            for kind in ("member_savings", "member_contribution"):
                account_id = new_id()
                if kind == "member_savings":
                    savings.append(account_id)
                member_accounts.append(
                    {
                        "id": account_id,
                        "pool_id": pool.id,
                        "worker_id": worker_id,
                        "kind": kind,
                        "currency": CURRENCY,
                        "debits_must_not_exceed_credits": True,
                        "debits_posted_minor": 0,
                        "credits_posted_minor": 0,
                        "created_at": now,
                    }
                )
        for table, rows in (
            (Worker.__table__, workers),
            (LedgerAccount.__table__, member_accounts),
        ):
            for start in range(0, len(rows), SETUP_ROWS):
                await session.execute(insert(table), rows[start : start + SETUP_ROWS])
        await session.commit()
        return Books(accounts.world.id, accounts.reserve.id, savings)


def plan(books: Books, transfers: int) -> list[TransferRequest]:
    """Income then a contribution out of it, member after member; amounts vary a little."""
    requests: list[TransferRequest] = []
    for index in range(transfers):
        pair = index // 2
        savings = books.savings[pair % len(books.savings)]
        income = 10_000 + (pair % 97) * 100
        if index % 2 == 0:
            debit, credit, amount, reason = books.world, savings, income, "income_saved"
        else:
            debit, credit, amount = savings, books.reserve, 300 + pair % 50
            reason = "contribution_to_reserve"
        requests.append(
            TransferRequest(
                id=new_id(),
                debit_account_id=debit,
                credit_account_id=credit,
                amount_minor=amount,
                currency=CURRENCY,
                reason=reason,
                period="2026-11",
            )
        )
    return requests


@dataclass
class Pass:
    seconds: float
    cpu_seconds: float
    statements: int
    batch_ms: list[float]
    replayed: int


async def post_in_batches(
    engine: AsyncEngine, requests: Sequence[TransferRequest], batch: int, counter: list[int]
) -> Pass:
    """Each batch in its own session and transaction, committed, as the monthly run does."""
    factory = session_factory(engine)
    batch_ms: list[float] = []
    replayed = 0
    counter[0] = 0
    cpu = time.process_time()
    started = time.perf_counter()
    for start in range(0, len(requests), batch):
        began = time.perf_counter()
        async with factory() as session:
            results = await post_transfers(session, requests[start : start + batch])
            await session.commit()
        batch_ms.append((time.perf_counter() - began) * 1000)
        replayed += sum(result.replayed for result in results)
    return Pass(
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu,
        statements=counter[0],
        batch_ms=batch_ms,
        replayed=replayed,
    )


def report(label: str, figures: Pass, transfers: int) -> None:
    batches = len(figures.batch_ms)
    print(f"  {label}")
    print(f"    wall time            {figures.seconds:10.2f} s")
    print(f"    transfers per second {transfers / figures.seconds:10,.0f}")
    print(f"    cpu time (this proc) {figures.cpu_seconds:10.2f} s")
    print(f"    statements per batch {figures.statements / batches:10.1f}")
    print(
        f"    batch ms p50 / max   {statistics.median(figures.batch_ms):10.1f}"
        f" / {max(figures.batch_ms):.1f}"
    )
    print(f"    replayed             {figures.replayed:10,}")


async def bench(url: str, transfers: int, batch: int, members: int) -> None:
    engine = create_engine(url)
    counter = [0]

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        counter[0] += 1

    try:
        began = time.perf_counter()
        books = await open_books(engine, members)
        requests = plan(books, transfers)
        print(f"ledger bench on {engine.dialect.name}, {os.cpu_count()} cpus")
        print(
            f"  {members:,} members ({time.perf_counter() - began:.1f} s to open),"
            f" {transfers:,} transfers in batches of {batch:,}"
        )
        first = await post_in_batches(engine, requests, batch, counter)
        report("posting", first, transfers)
        again = await post_in_batches(engine, requests, batch, counter)
        report("posting again (a resumed run: every transfer a replay)", again, transfers)
        async with session_factory(engine)() as session:
            sums = await balances_by_currency(session)
            drift = await balance_drift(session)
        if first.replayed or again.replayed != transfers or set(sums.values()) != {0} or drift:
            raise SystemExit(f"the books are wrong: sums {sums}, {len(drift)} drifted")
        print("  books balance: every currency sums to zero, no cached balance drifted")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="PostgreSQL server or SQLite URL")
    parser.add_argument("--transfers", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--members", type=int, help="default: as many as transfers")
    args = parser.parse_args()
    members = args.members or args.transfers
    with fresh_database(args.database) as url:
        migrate(url)
        asyncio.run(bench(url, args.transfers, args.batch, members))


if __name__ == "__main__":
    main()
