"""Runs started from the API, done in the web process's event loop after the response.

The run's state lives in the database, so a web process that stops mid-run loses nothing:
the run is resumed by the next `POST`, the scheduler or `mutua run month`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING

from litestar import Litestar

from core.periods import Period
from runs.models import MonthlyRun

if TYPE_CHECKING:
    from runs.runner import MonthlyRunner

from audit import Actor, record

log = logging.getLogger(__name__)


async def start_run_in_background(
    app: Litestar, pool_id: uuid.UUID, period: Period, actor: Actor | None = None
) -> MonthlyRun:
    """Create (or find) the run now, so refusals are answered, and do it in the background.

    The runner (and with it PyMC) is imported on the first run, not when the app starts.
    The administrator who asked (`actor`) is written to the pool's audit log.
    """
    from runs.config import RunConfig
    from runs.runner import MonthlyRunner

    runner = MonthlyRunner(app.state.session_factory, RunConfig.from_settings(app.state.settings))
    run = await runner.start(pool_id, period, trigger="api")
    if actor is not None:
        async with app.state.session_factory() as session:
            record(
                session, actor, "run.started", pool_id=pool_id, target_kind="run",
                target_id=run.id, details={"period": str(period), "status": run.status},
            )  # fmt: skip
            await session.commit()
    if run.status != "succeeded":
        tasks: set[asyncio.Task[object]] = app.state.run_tasks
        task = asyncio.create_task(_run(runner, pool_id, period))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    return run


async def _run(runner: MonthlyRunner, pool_id: uuid.UUID, period: Period) -> object:
    try:
        return await runner.run(pool_id, period, trigger="api", wait=False)
    except Exception:  # recorded on the run row (status failed, error); logged here
        log.exception("run of pool %s for %s failed", pool_id, period)
        return None


async def stop_runs(app: Litestar) -> None:
    tasks: set[asyncio.Task[object]] = app.state.run_tasks
    for task in list(tasks):
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
