"""A demo co-op on a fresh migrated database, and the checks every month must pass."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.demo import seed_demo
from core.db import create_engine, session_factory
from core.periods import Period
from notifications.models import OutboxMessage
from pools import ledger_queries
from pools.ledger_models import LedgerTransfer
from pools.models import Pool
from runs.config import RunConfig
from runs.models import Decision, MemberPlan, MonthlyRun

FAST = RunConfig(chunk_size=10, pricing_scenarios=4000, lease_seconds=5)
"""The default model (so the shipped prior fit serves), small chunks, quick pricing."""


@dataclass
class Demo:
    sessions: async_sessionmaker[AsyncSession]
    pool_id: uuid.UUID
    period: Period
    url: str


@pytest.fixture
async def demo(database_url: str) -> AsyncIterator[Demo]:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        await seed_demo(session, seed=7, n_workers=36, password="demo-password-long-enough")
        pool = await session.scalar(select(Pool))
        assert pool is not None
        period = Period.current(pool.timezone).shift(-1)
    yield Demo(sessions, pool.id, period, database_url)
    await engine.dispose()


async def month_facts(
    session: AsyncSession, pool_id: uuid.UUID, period: Period
) -> dict[str, object]:
    """What a month left behind, counted from the outside, for exactly-once comparisons."""
    transfers = (
        await session.scalars(
            select(LedgerTransfer).where(
                LedgerTransfer.pool_id == pool_id, LedgerTransfer.period == str(period),
                LedgerTransfer.reason != "income_saved", LedgerTransfer.reason != "reserve_funding",
            )
        )
    ).all()  # fmt: skip
    messages = (
        await session.execute(
            select(OutboxMessage.template, func.count())
            .where(OutboxMessage.dedup_key.like(f"run:%:{pool_id}:{period}:%"))
            .group_by(OutboxMessage.template)
        )
    ).all()
    decisions = (
        await session.execute(
            select(Decision.kind, func.count())
            .where(Decision.pool_id == pool_id, Decision.period == str(period))
            .group_by(Decision.kind)
        )
    ).all()
    return {
        "transfers": Counter(t.reason for t in transfers),
        "sum_by_reason": {
            reason: sum(t.amount_minor for t in transfers if t.reason == reason)
            for reason in {t.reason for t in transfers}
        },
        "messages": dict(messages),
        "decisions": dict(decisions),
    }


async def reserve_of(session: AsyncSession, pool_id: uuid.UUID) -> int:
    accounts = await ledger_queries.accounts_by_kind(session, pool_id, None)
    return accounts["reserve"].balance_minor


async def assert_month_is_whole(
    session: AsyncSession, pool_id: uuid.UUID, period: Period, reserve_before: int
) -> None:
    """The checks of a finished month, from the outside."""
    run = await session.scalar(
        select(MonthlyRun).where(MonthlyRun.pool_id == pool_id, MonthlyRun.period == str(period))
    )
    assert run is not None and run.status == "succeeded", run and (run.status, run.error)
    # The books balance, from the cached side and from the history.
    assert set((await ledger_queries.balances_by_currency(session)).values()) == {0}
    assert set((await ledger_queries.transfer_sums_by_currency(session)).values()) == {0}
    assert await ledger_queries.balance_drift(session) == {}
    # Every money movement of the month has a decision naming it.
    transfers = (
        await session.scalars(
            select(LedgerTransfer).where(
                LedgerTransfer.pool_id == pool_id, LedgerTransfer.period == str(period)
            )
        )
    ).all()
    decisions = (
        await session.scalars(
            select(Decision).where(Decision.pool_id == pool_id, Decision.period == str(period))
        )
    ).all()
    named = {t for d in decisions for t in d.transfer_ids}
    run_transfers = [t for t in transfers if t.reason not in ("income_saved", "reserve_funding")]
    assert run_transfers, "the month moved no money"
    assert {str(t.id) for t in run_transfers} == named
    # Every member has a plan and a statement, in the plan's language.
    plans = (
        await session.scalars(
            select(MemberPlan).where(
                MemberPlan.pool_id == pool_id, MemberPlan.period == str(period)
            )
        )
    ).all()
    assert len(plans) == run.members_total > 0
    statements = {
        m.dedup_key: m
        for m in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "statement.monthly")
        )
    }
    for plan in plans:
        key = f"run:statement.monthly:{pool_id}:{period}:{plan.membership_id}"
        assert key in statements, f"no statement for {plan.membership_id}"
        assert statements[key].language == plan.language
    # The reserve moved by exactly what came in less what went out.
    into = sum(
        t.amount_minor
        for t in run_transfers
        if t.reason in ("contribution", "catchup", "arrears_settled")
    )
    out = sum(t.amount_minor for t in run_transfers if t.reason == "smoothing_payout")
    assert (
        run.totals.get("transfer:contribution", 0)
        + run.totals.get("transfer:catchup", 0)
        + run.totals.get("transfer:arrears_settled", 0)
        == into
    )
    assert run.totals.get("transfer:smoothing_payout", 0) == out
    assert await reserve_of(session, pool_id) - reserve_before == into - out
