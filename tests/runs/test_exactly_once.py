"""Two runners at once, a runner killed with SIGKILL, and a reserve too small to pay all."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import select

from core.db import create_engine, session_factory
from pools.ledger import TransferRequest, open_pool_accounts, post_transfer
from pools.models import Pool
from runs import repository
from runs.models import Decision, MemberPlan, MonthlyRun, RunChunk
from runs.posting import payout_amount
from runs.runner import MonthlyRunner
from tests.databases import ROOT
from tests.runs.conftest import FAST, Demo, assert_month_is_whole, month_facts, reserve_of


async def test_two_runs_started_at_once_do_the_work_once(demo: Demo, backend: str) -> None:
    async with demo.sessions() as session:
        before = await reserve_of(session, demo.pool_id)
    other_engine = create_engine(demo.url)
    try:
        first = MonthlyRunner(demo.sessions, FAST)
        second = MonthlyRunner(session_factory(other_engine), FAST)
        outcomes = await asyncio.gather(
            first.run(demo.pool_id, demo.period), second.run(demo.pool_id, demo.period)
        )
    finally:
        await other_engine.dispose()
    assert {o.status for o in outcomes} <= {"succeeded", "already_done"}
    async with demo.sessions() as session:
        await assert_month_is_whole(session, demo.pool_id, demo.period, before)
        facts = await month_facts(session, demo.pool_id, demo.period)
        assert facts["messages"]["statement.monthly"] == 36  # type: ignore[index]
        assert facts["decisions"]["contribution"] == 36  # type: ignore[index]
        chunks = (await session.scalars(select(RunChunk))).all()
        assert all(c.status == "done" for c in chunks)


async def test_a_chunk_held_by_one_runner_is_passed_over_by_another(
    demo: Demo, backend: str
) -> None:
    """Whether both runners above got chunks depends on timing; the claim itself does not."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer: a second claim waits instead of skipping")
    run = await MonthlyRunner(demo.sessions, FAST).start(demo.pool_id, demo.period)
    async with demo.sessions() as session:
        await repository.create_chunks(session, run.id, ("contributions",), 6, 2)
        await session.commit()
    other_engine = create_engine(demo.url)
    try:
        async with demo.sessions() as first, session_factory(other_engine)() as second:
            held = await repository.claim_chunk(first, run.id, "contributions")
            passed_over = await asyncio.wait_for(
                repository.claim_chunk(second, run.id, "contributions"), timeout=10
            )
            assert held is not None and passed_over is not None
            assert (held.index, passed_over.index) == (0, 1)
            await second.rollback()
            await first.rollback()
    finally:
        await other_engine.dispose()


def _mutua(url: str, *args: str, lease: str = "2") -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MUTUA_DATABASE_URL": url,
        "MUTUA_SECRET_KEY": secrets.token_urlsafe(32),
        "MUTUA_SMS_PROVIDER": "memory",
        "MUTUA_RUN_CHUNK_SIZE": "2",
        "MUTUA_RUN_LEASE_SECONDS": lease,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


@pytest.mark.slow
async def test_a_runner_killed_mid_month_is_resumed_with_every_transfer_posted_once(
    demo: Demo,
) -> None:
    async with demo.sessions() as session:
        before = await reserve_of(session, demo.pool_id)
    process = _mutua(demo.url, "run", "month", "--pool", str(demo.pool_id))
    killed_at = None
    seen: list[str] = []
    # The runner reports each committed chunk on stderr ("2026-11 payouts  6/36 members");
    # reading that, not the database, sees the moment without waiting on SQLite's lock.
    progress = re.compile(r"\d{4}-\d{2} (contributions|payouts)\s+(\d+)/\d+ members")
    assert process.stderr is not None
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = (await asyncio.to_thread(process.stderr.readline)).decode()
            if not line:
                break  # the process ended
            seen.append(line)
            found = progress.search(line)
            if found and int(found.group(2)) >= 4:
                process.send_signal(signal.SIGKILL)
                killed_at = (found.group(1), int(found.group(2)))
                break
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    assert killed_at is not None, "".join(seen)
    async with demo.sessions() as session:
        run = await session.scalar(select(MonthlyRun))
        assert run is not None and run.status == "running" and run.step != "done"
    resumed = _mutua(demo.url, "run", "month", "--pool", str(demo.pool_id))
    _out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err.decode()
    async with demo.sessions() as session:
        await assert_month_is_whole(session, demo.pool_id, demo.period, before)
        facts = await month_facts(session, demo.pool_id, demo.period)
        plans = (await session.scalars(select(MemberPlan))).all()
    assert facts["decisions"]["contribution"] == len(plans) == 36  # type: ignore[index]
    assert facts["messages"]["statement.monthly"] == 36  # type: ignore[index]


async def test_a_reserve_too_small_pays_every_payout_the_same_share(demo: Demo) -> None:
    async with demo.sessions() as session:
        pool = await session.get(Pool, demo.pool_id)
        assert pool is not None
        # No contributions come in this month, and the reserve holds almost nothing.
        pool.contribution_rate_bp = 0
        pool.min_contribution_minor = 0
        pool.max_contribution_minor = 0
        accounts = await open_pool_accounts(session, pool)
        reserve = accounts.reserve.balance_minor
        await post_transfer(
            session,
            TransferRequest(
                id=uuid.uuid4(), debit_account_id=accounts.reserve.id,
                credit_account_id=accounts.world.id, amount_minor=reserve - 1234,
                currency=pool.currency, reason="adjustment", memo="reserve lent out",
            ),
        )  # fmt: skip
        await session.commit()
    outcome = await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    run = outcome.run
    assert run.payout_available_minor == 1234 and (run.payout_due_minor or 0) > 1234
    async with demo.sessions() as session:
        await assert_month_is_whole(session, demo.pool_id, demo.period, 1234)
        plans = {p.membership_id: p for p in (await session.scalars(select(MemberPlan))).all()}
        payouts = (await session.scalars(select(Decision).where(Decision.kind == "payout"))).all()
        assert payouts
        for decision in payouts:
            due = plans[decision.membership_id].payout_due_minor
            assert (
                decision.amount_minor
                == payout_amount(due, run)
                == due * 1234 // run.payout_due_minor
            )
            assert decision.factors["pro_rata_factor"] == pytest.approx(1234 / run.payout_due_minor)
        paid = sum(d.amount_minor for d in payouts)
        assert 1234 - len(payouts) <= paid <= 1234
        assert await reserve_of(session, demo.pool_id) == 1234 - paid >= 0
