"""Every query the monthly run makes, so its locking rules live in one place."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.periods import Period
from pools.models import Worker
from runs.models import Decision, MemberPlan, MonthlyRun, PoolHealth, RunChunk

_INSERT_ROWS = 500
"""Rows per multi-row INSERT: within SQLite's bound-parameter limit for the widest table."""


async def run_for(session: AsyncSession, pool_id: uuid.UUID, period: str) -> MonthlyRun | None:
    return await session.scalar(
        select(MonthlyRun)
        .where(MonthlyRun.pool_id == pool_id, MonthlyRun.period == period)
        .execution_options(populate_existing=True)
    )


async def lock_run(session: AsyncSession, run_id: uuid.UUID) -> MonthlyRun:
    run = await session.scalar(
        select(MonthlyRun)
        .where(MonthlyRun.id == run_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert run is not None
    return run


async def unfinished_before(
    session: AsyncSession, pool_id: uuid.UUID, period: str
) -> MonthlyRun | None:
    """An earlier run of the pool that has not finished: months are run in order."""
    return await session.scalar(
        select(MonthlyRun)
        .where(
            MonthlyRun.pool_id == pool_id,
            MonthlyRun.period < period,
            MonthlyRun.status != "succeeded",
        )
        .order_by(MonthlyRun.period)
        .limit(1)
    )


async def take_lease(
    session: AsyncSession, run_id: uuid.UUID, owner: str, now: datetime, until: datetime
) -> bool:
    """Hold the run for its serial steps, unless a live runner already does."""
    result = await session.execute(
        update(MonthlyRun)
        .where(
            MonthlyRun.id == run_id,
            or_(
                MonthlyRun.lease_owner.is_(None),
                MonthlyRun.lease_owner == owner,
                MonthlyRun.lease_expires_at < now,
            ),
        )
        .values(lease_owner=owner, lease_expires_at=until)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0)) == 1


async def release_lease(session: AsyncSession, run_id: uuid.UUID, owner: str) -> None:
    await session.execute(
        update(MonthlyRun)
        .where(MonthlyRun.id == run_id, MonthlyRun.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


async def previous_baselines(
    session: AsyncSession, pool_id: uuid.UUID, period: Period
) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(MemberPlan.membership_id, MemberPlan.baseline_minor).where(
            MemberPlan.pool_id == pool_id, MemberPlan.period == str(period.shift(-1))
        )
    )
    return {membership: int(baseline) for membership, baseline in rows}


async def payout_months_used(
    session: AsyncSession, pool_id: uuid.UUID, period: Period
) -> dict[uuid.UUID, int]:
    """Months with a payout among the 12 before the period, by membership."""
    rows = await session.execute(
        select(Decision.membership_id, func.count(func.distinct(Decision.period)))
        .where(
            Decision.pool_id == pool_id,
            Decision.kind == "payout",
            Decision.amount_minor > 0,
            Decision.period >= str(period.shift(-12)),
            Decision.period < str(period),
        )
        .group_by(Decision.membership_id)
    )
    return {membership: int(count) for membership, count in rows}


async def deferrals(
    session: AsyncSession, pool_id: uuid.UUID, period: Period, months: int = 36
) -> list[tuple[uuid.UUID, str, list[int]]]:
    """Earlier deferred contributions with their catch-up schedules, by membership."""
    rows = await session.execute(
        select(MemberPlan.membership_id, MemberPlan.period, MemberPlan.catchup_schedule_minor)
        .where(
            MemberPlan.pool_id == pool_id,
            MemberPlan.deferred_minor > 0,
            MemberPlan.period >= str(period.shift(-months)),
            MemberPlan.period < str(period),
        )
        .order_by(MemberPlan.period)
    )
    return [(m, p, list(s)) for m, p, s in rows]


async def planned_memberships(session: AsyncSession, run_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(MemberPlan.membership_id).where(MemberPlan.run_id == run_id)
    )
    return set(rows)


async def insert_rows(session: AsyncSession, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _INSERT_ROWS):
        await session.execute(insert(table), list(rows[start : start + _INSERT_ROWS]))


async def plans_in_range(
    session: AsyncSession, run_id: uuid.UUID, first: int, last: int
) -> list[MemberPlan]:
    return list(
        await session.scalars(
            select(MemberPlan)
            .where(
                MemberPlan.run_id == run_id,
                MemberPlan.ordinal >= first,
                MemberPlan.ordinal <= last,
            )
            .order_by(MemberPlan.ordinal)
        )
    )


async def payout_due_total(session: AsyncSession, run_id: uuid.UUID) -> int:
    total = await session.scalar(
        select(func.sum(MemberPlan.payout_due_minor)).where(MemberPlan.run_id == run_id)
    )
    return int(total or 0)


async def benefit_due_total(session: AsyncSession, run_id: uuid.UUID) -> int:
    total = await session.scalar(
        select(func.sum(MemberPlan.benefit_due_minor)).where(MemberPlan.run_id == run_id)
    )
    return int(total or 0)


async def health_for(session: AsyncSession, pool_id: uuid.UUID, period: str) -> PoolHealth | None:
    return await session.scalar(
        select(PoolHealth).where(PoolHealth.pool_id == pool_id, PoolHealth.period == period)
    )


async def create_chunks(
    session: AsyncSession, run_id: uuid.UUID, steps: Sequence[str], n: int, size: int
) -> None:
    rows = [
        {
            "id": uuid.uuid4(),
            "run_id": run_id,
            "step": step,
            "index": k,
            "first_ordinal": k * size,
            "last_ordinal": min((k + 1) * size, n) - 1,
            "status": "pending",
        }
        for step in steps
        for k in range(-(-n // size))
    ]
    await insert_rows(session, RunChunk, rows)


async def claim_chunk(session: AsyncSession, run_id: uuid.UUID, step: str) -> RunChunk | None:
    """The next pending chunk of the step that no other runner holds, locked until commit.

    `SKIP LOCKED` passes over chunks other runners are working on (PostgreSQL); SQLite has
    one writer at a time, so there the lock is the whole database and nothing is skipped.
    """
    return await session.scalar(
        select(RunChunk)
        .where(RunChunk.run_id == run_id, RunChunk.step == step, RunChunk.status == "pending")
        .order_by(RunChunk.index)
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


async def chunks_left(session: AsyncSession, run_id: uuid.UUID, step: str) -> int:
    count = await session.scalar(
        select(func.count()).where(
            RunChunk.run_id == run_id, RunChunk.step == step, RunChunk.status == "pending"
        )
    )
    return int(count or 0)


async def phones_of(session: AsyncSession, worker_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(Worker.id, Worker.phone_e164).where(Worker.id.in_(sorted(set(worker_ids))))
    )
    return {worker: phone for worker, phone in rows}


async def latest_plan(
    session: AsyncSession, worker_id: uuid.UUID, pool_id: uuid.UUID | None
) -> MemberPlan | None:
    query = select(MemberPlan).where(MemberPlan.worker_id == worker_id)
    if pool_id is not None:
        query = query.where(MemberPlan.pool_id == pool_id)
    return await session.scalar(query.order_by(MemberPlan.period.desc()).limit(1))


async def decisions_of(
    session: AsyncSession,
    worker_id: uuid.UUID,
    *,
    pool_id: uuid.UUID | None = None,
    period: str | None = None,
    since: str | None = None,
    kinds: Sequence[str] = (),
    after: tuple[str, uuid.UUID] | None = None,
    limit: int = 50,
) -> list[Decision]:
    """The worker's decisions, newest period first, then by id (a stable order to page)."""
    query = select(Decision).where(Decision.worker_id == worker_id)
    if pool_id is not None:
        query = query.where(Decision.pool_id == pool_id)
    if period is not None:
        query = query.where(Decision.period == period)
    if since is not None:
        query = query.where(Decision.period >= since)
    if kinds:
        query = query.where(Decision.kind.in_(kinds))
    if after is not None:
        last_period, last_id = after
        query = query.where(
            or_(
                Decision.period < last_period,
                (Decision.period == last_period) & (Decision.id > last_id),
            )
        )
    query = query.order_by(Decision.period.desc(), Decision.id).limit(limit)
    return list(await session.scalars(query))


async def decision_of(
    session: AsyncSession, worker_id: uuid.UUID, decision_id: uuid.UUID
) -> Decision | None:
    return await session.scalar(
        select(Decision).where(Decision.id == decision_id, Decision.worker_id == worker_id)
    )


async def runs_of_pool(session: AsyncSession, pool_id: uuid.UUID, limit: int) -> list[MonthlyRun]:
    return list(
        await session.scalars(
            select(MonthlyRun)
            .where(MonthlyRun.pool_id == pool_id)
            .order_by(MonthlyRun.period.desc())
            .limit(limit)
            .execution_options(populate_existing=True)
        )
    )


async def run_of_pool(
    session: AsyncSession, pool_id: uuid.UUID, run_id: uuid.UUID
) -> MonthlyRun | None:
    return await session.scalar(
        select(MonthlyRun)
        .where(MonthlyRun.id == run_id, MonthlyRun.pool_id == pool_id)
        .execution_options(populate_existing=True)
    )


async def latest_health(session: AsyncSession, pool_id: uuid.UUID) -> PoolHealth | None:
    return await session.scalar(
        select(PoolHealth)
        .where(PoolHealth.pool_id == pool_id)
        .order_by(PoolHealth.period.desc())
        .limit(1)
    )
