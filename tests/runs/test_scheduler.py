"""The scheduler: reminders before a pool's cut-off, its month after it, missed months caught
up in order, and nothing twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from notifications.models import OutboxMessage
from pools.models import Pool
from runs.models import MonthlyRun
from runs.runner import MonthlyRunner, cutoff_at
from runs.scheduler import tick
from tests.runs.conftest import FAST, Demo


async def reminders(demo: Demo) -> int:
    async with demo.sessions() as session:
        count = await session.scalar(
            select(func.count()).where(OutboxMessage.template == "income.reminder")
        )
        return int(count or 0)


async def test_members_who_reported_nothing_are_reminded_once_before_the_cutoff(
    demo: Demo,
) -> None:
    async with demo.sessions() as session:
        pool = await session.get(Pool, demo.pool_id)
        assert pool is not None
        cutoff = cutoff_at(pool, demo.period)
    # Three months run already, so the tick does not also start runs here.
    for back in (3, 2, 1):
        await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period.shift(-back))
    early = await tick(demo.sessions, FAST, reminder_days=3, now=cutoff - timedelta(days=5))
    assert early.reminders == 0 and early.runs == []
    report = await tick(demo.sessions, FAST, reminder_days=3, now=cutoff - timedelta(days=2))
    assert report.reminders > 0 and report.runs == []
    assert await reminders(demo) == report.reminders
    again = await tick(demo.sessions, FAST, reminder_days=3, now=cutoff - timedelta(hours=1))
    assert again.reminders == 0
    assert await reminders(demo) == report.reminders


async def test_after_downtime_the_missed_months_are_run_in_order(demo: Demo) -> None:
    await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period.shift(-3))
    async with demo.sessions() as session:
        pool = await session.get(Pool, demo.pool_id)
        assert pool is not None
        after = cutoff_at(pool, demo.period) + timedelta(hours=1)
    report = await tick(demo.sessions, FAST, reminder_days=3, now=after)
    months = [str(demo.period.shift(-k)) for k in (2, 1, 0)]
    assert report.runs == [(str(demo.pool_id), m, "succeeded") for m in months]
    async with demo.sessions() as session:
        runs = (await session.scalars(select(MonthlyRun).order_by(MonthlyRun.period))).all()
        assert [(r.period, r.status, r.trigger) for r in runs][1:] == [
            (m, "succeeded", "scheduler") for m in months
        ]
    quiet = await tick(demo.sessions, FAST, reminder_days=3, now=after)
    assert quiet.runs == []
