"""`mutua run month`: a progress bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
import uuid

import click

from core.db import create_engine, session_factory
from core.errors import MutuaError
from core.periods import Period
from core.settings import Settings
from pools.models import Pool
from runs.config import RunConfig
from runs.models import MonthlyRun
from runs.runner import MonthlyRunner, pool_ids


class _Printer:
    """Members per second and the current step, redrawn on a terminal, logged otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last: tuple[str, int] | None = None

    def __call__(self, run: MonthlyRun) -> None:
        state = (run.step, run.members_done)
        if state == self.last:
            return
        self.last = state
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = run.members_done / elapsed
        line = (
            f"{run.period} {run.step:<13} {run.members_done:>7}/{run.members_total} members "
            f"{rate:8.0f}/s"
        )
        if self.tty:
            click.echo("\r" + line, nl=False, err=True)
        else:
            click.echo(line, err=True)

    def done(self) -> None:
        if self.tty:
            click.echo("", err=True)


async def run_months(
    settings: Settings, pool_id: uuid.UUID | None, period: str | None, *, wait: bool
) -> int:
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    failures = 0
    try:
        async with sessions() as session:
            targets = [pool_id] if pool_id else await pool_ids(session)
            pools = {p: await session.get(Pool, p) for p in targets}
        for target, pool in pools.items():
            if pool is None:
                click.echo(f"pool {target} does not exist", err=True)
                failures += 1
                continue
            month = Period.parse(period) if period else Period.current(pool.timezone).shift(-1)
            printer = _Printer()
            runner = MonthlyRunner(sessions, RunConfig.from_settings(settings), progress=printer)
            try:
                outcome = await runner.run(pool.id, month, wait=wait)
            except MutuaError as exc:
                printer.done()
                click.echo(f"{pool.name} {month}: {exc.detail}", err=True)
                failures += 1
                continue
            printer.done()
            run = outcome.run
            if outcome.status == "already_done":
                click.echo(f"{pool.name} {month}: already run on {run.finished_at:%Y-%m-%d}; "
                           "nothing changed")  # fmt: skip
            elif outcome.status == "busy":
                click.echo(f"{pool.name} {month}: another runner ({run.lease_owner}) holds it")
                failures += 1
            else:
                totals = run.totals
                click.echo(
                    f"{pool.name} {month}: {run.members_total} members, contributions "
                    f"{totals.get('transfer:contribution', 0)}, payouts "
                    f"{totals.get('transfer:smoothing_payout', 0)} (minor units of "
                    f"{pool.currency}), {run.counts.get('messages_queued', 0)} messages queued"
                )
    finally:
        await engine.dispose()
    return 1 if failures else 0
