"""Starting each pool's month by itself: after its cut-off, in its own time zone.

Every tick looks at every pool. A few days before the cut-off it reminds members who have
reported nothing; once the cut-off is over it runs the month, and any month missed while
the scheduler was down, oldest first (a month is only run after the one before it). All of
it is idempotent, so two schedulers, or a scheduler beside `mutua run month`, only ever
wait for each other.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import utcnow
from core.errors import MutuaError
from core.periods import Period
from pools.models import Pool
from runs.config import RunConfig
from runs.models import MonthlyRun
from runs.reminders import send_income_reminders
from runs.runner import MonthlyRunner, cutoff_at

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0
CATCH_UP_MONTHS = 12
"""How far back a scheduler that was down catches up (older months need a person)."""


@dataclass
class TickReport:
    reminders: int = 0
    runs: list[tuple[str, str, str]] = field(default_factory=list)
    """(pool id, period, outcome) of the runs this tick started or resumed."""


async def _months_due(session: AsyncSession, pool: Pool, now: datetime) -> list[Period]:
    last_over = Period.current(pool.timezone, now).shift(-1)
    if now < cutoff_at(pool, last_over):
        last_over = last_over.shift(-1)
    newest = await session.scalar(
        select(func.max(MonthlyRun.period)).where(
            MonthlyRun.pool_id == pool.id, MonthlyRun.status == "succeeded"
        )
    )
    if newest is None:  # a pool's first month: only the latest, nothing before it
        return [last_over]
    start = max(Period.parse(newest).shift(1), last_over.shift(-(CATCH_UP_MONTHS - 1)))
    months = []
    month = start
    while month <= last_over:
        months.append(month)
        month = month.shift(1)
    return months


async def tick(
    sessions: async_sessionmaker[AsyncSession],
    config: RunConfig,
    reminder_days: int,
    now: datetime | None = None,
) -> TickReport:
    now = now or utcnow()
    report = TickReport()
    async with sessions() as session:
        pools = list(await session.scalars(select(Pool).order_by(Pool.created_at)))
        due: dict[Pool, list[Period]] = {}
        for pool in pools:
            this = Period.current(pool.timezone, now).shift(-1)
            cutoff = cutoff_at(pool, this)
            if cutoff - timedelta(days=reminder_days) <= now < cutoff:
                report.reminders += await send_income_reminders(session, pool, this)
            due[pool] = await _months_due(session, pool, now)
        await session.commit()
    for pool, months in due.items():
        for month in months:
            runner = MonthlyRunner(sessions, config)
            try:
                outcome = await runner.run(pool.id, month, trigger="scheduler", wait=False)
            except MutuaError as exc:
                report.runs.append((str(pool.id), str(month), exc.slug))
                break
            except Exception:
                log.exception("scheduled run of %s for %s failed", pool.id, month)
                report.runs.append((str(pool.id), str(month), "failed"))
                break
            report.runs.append((str(pool.id), str(month), outcome.status))
            if outcome.status == "busy":
                break
    return report


async def run_forever(
    sessions: async_sessionmaker[AsyncSession],
    config: RunConfig,
    reminder_days: int,
    interval: float = TICK_SECONDS,
) -> None:
    while True:
        try:
            report = await tick(sessions, config, reminder_days)
            if report.reminders or report.runs:
                log.info("scheduler: %d reminders, runs %s", report.reminders, report.runs)
        except Exception:  # the scheduler outlives one bad tick
            log.exception("scheduler tick failed")
        await asyncio.sleep(interval)
