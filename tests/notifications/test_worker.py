"""The background worker: sends right after a kick, survives failures, stops cleanly."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.dispatcher import DispatchReport, OutboxWorker
from notifications.providers import MemorySmsProvider, TemporaryFailure
from tests.notifications.outbox_helpers import (
    PHONE,
    Factory,
    all_messages,
    only_message,
    queue_messages,
)


async def _wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110  (state owned by the worker's task)
            await asyncio.sleep(0.01)


async def test_worker_sends_right_after_a_kick_and_stops_cleanly(factory: Factory) -> None:
    provider = MemorySmsProvider()
    worker = OutboxWorker(factory, provider, interval=3600)  # only a kick can wake it
    async with worker:
        assert worker.running
        await asyncio.sleep(0.05)  # the start-up pass finds nothing
        await queue_messages(factory, to=PHONE)
        await asyncio.sleep(0.05)
        assert provider.sent == []  # committed, but nobody asked yet
        worker.kick()
        await _wait_for(lambda: len(provider.sent) == 1)
    assert not worker.running
    assert (await only_message(factory)).status == "sent"
    worker.kick()  # harmless once stopped
    await worker.stop()  # and so is a second stop


async def test_worker_sends_what_waited_for_a_restart_and_keeps_failures_for_later(
    factory: Factory,
) -> None:
    await queue_messages(factory, 3)
    provider = MemorySmsProvider()
    provider.fail_next(TemporaryFailure("busy"))
    worker = OutboxWorker(factory, provider, interval=0.05)
    await worker.start()
    try:
        await _wait_for(lambda: len(provider.sent) == 2)
        statuses = Counter(m.status for m in await all_messages(factory))
        assert statuses == {"sent": 2, "queued": 1}
    finally:
        await worker.stop()


async def test_worker_flush_runs_one_pass_and_reports_it(factory: Factory) -> None:
    await queue_messages(factory, 2)
    provider = MemorySmsProvider()
    worker = OutboxWorker(factory, provider)
    assert await worker.flush() == DispatchReport(sent=2)
    assert not worker.running


async def test_worker_keeps_running_when_a_pass_fails(factory: Factory) -> None:
    provider = MemorySmsProvider()
    broken = OutboxWorker(lambda: _raise(), provider, interval=0.01)  # type: ignore[arg-type]
    await broken.start()
    await asyncio.sleep(0.1)
    assert broken.running
    await broken.stop()
    assert not broken.running


def _raise() -> AsyncSession:
    raise ConnectionRefusedError("database is down")
