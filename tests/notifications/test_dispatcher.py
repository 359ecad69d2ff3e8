"""Sending the outbox: each message once, retried with backoff, never to an opted-out phone."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.clock import utcnow
from core.db import create_engine, session_factory
from notifications.dispatcher import (
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    DispatchReport,
    dispatch_pending,
    retry_delay,
)
from notifications.models import OutboxMessage
from notifications.outbox import enqueue_sms
from notifications.providers import (
    MemorySmsProvider,
    OutgoingSms,
    PermanentFailure,
    TemporaryFailure,
    provider_from_setting,
)
from notifications.repository import REDACTED_BODY
from pools.models import Worker
from tests.notifications.outbox_helpers import (
    PHONE,
    Factory,
    all_messages,
    only_message,
    queue_messages,
)


async def test_the_development_file_gets_each_sent_message_as_a_json_line(
    factory: Factory, tmp_path: Path
) -> None:
    await queue_messages(factory, template="auth.sign_in_code")
    path = tmp_path / "var" / "sms.jsonl"
    provider = provider_from_setting(f"file:{path}")

    assert await dispatch_pending(factory, provider) == DispatchReport(sent=1)

    (line,) = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    message = await only_message(factory)
    assert record["id"] == message.provider_message_id
    assert record["to"] == PHONE
    assert "000000" in record["body"]
    assert message.body == REDACTED_BODY  # the code went to the file, not into the table


async def test_sends_a_committed_message_and_records_the_gateway_id(factory: Factory) -> None:
    await queue_messages(factory, template="auth.sign_in_code")
    provider = MemorySmsProvider()
    now = utcnow()

    report = await dispatch_pending(factory, provider, now=now)

    assert report == DispatchReport(sent=1)
    received = provider.last_to(PHONE)
    assert received is not None
    assert "000000" in received.body
    assert (received.template, received.language) == ("auth.sign_in_code", "en")
    message = await only_message(factory)
    assert message.status == "sent"
    assert message.provider_message_id == received.id
    assert message.sent_at == now
    assert message.attempts == 1
    assert message.last_error is None
    # Nothing is sent twice by a later pass.
    assert await dispatch_pending(factory, provider, now=now + timedelta(hours=1)) == (
        DispatchReport()
    )
    assert len(provider.sent) == 1


async def test_sends_nothing_from_a_transaction_that_rolled_back(factory: Factory) -> None:
    provider = MemorySmsProvider()
    with pytest.raises(LookupError):
        async with factory() as session, session.begin():
            await enqueue_sms(session, to=PHONE, template="sms.started", language="en", values={})
            raise LookupError("the request failed after queueing")
    assert await dispatch_pending(factory, provider) == DispatchReport()
    assert provider.sent == []


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite: the open writer blocks everyone
async def test_sends_nothing_before_the_caller_commits(factory: Factory) -> None:
    provider = MemorySmsProvider()
    async with factory() as session, session.begin():
        await enqueue_sms(session, to=PHONE, template="sms.started", language="en", values={})
        assert await dispatch_pending(factory, provider) == DispatchReport()
    assert await dispatch_pending(factory, provider) == DispatchReport(sent=1)


async def test_limit_bounds_one_pass_and_the_next_pass_continues(factory: Factory) -> None:
    await queue_messages(factory, 5)
    provider = MemorySmsProvider()

    assert await dispatch_pending(factory, provider, limit=3) == DispatchReport(sent=3)
    assert await dispatch_pending(factory, provider, limit=3) == DispatchReport(sent=2)
    assert len(provider.sent) == 5
    assert {m.status for m in await all_messages(factory)} == {"sent"}


async def test_a_stop_that_arrives_after_queueing_is_honoured_at_send(factory: Factory) -> None:
    other = "+15551230002"
    async with factory() as session, session.begin():
        session.add(Worker(phone_e164=PHONE, language="en"))
        session.add(Worker(phone_e164=other, language="en"))
    await queue_messages(factory, to=PHONE)
    await queue_messages(factory, to=other)
    async with factory() as session, session.begin():  # STOP arrives meanwhile
        await session.execute(
            update(Worker).where(Worker.phone_e164 == PHONE).values(sms_opted_out=True)
        )
    provider = MemorySmsProvider()

    report = await dispatch_pending(factory, provider)

    assert report == DispatchReport(sent=1, failed=1)
    assert [sent.to for sent in provider.sent] == [other]
    by_phone = {m.recipient: m for m in await all_messages(factory)}
    assert (by_phone[PHONE].status, by_phone[PHONE].last_error) == ("failed", "suppressed")
    assert by_phone[PHONE].provider_message_id is None
    assert by_phone[other].status == "sent"


@pytest.mark.parametrize("attempts", range(1, 8))
def test_retry_delay_grows_fourfold_with_jitter_and_a_cap(attempts: int) -> None:
    expected = min(30 * 4 ** (attempts - 1), 2 * 3600)
    delays = [retry_delay(attempts).total_seconds() for _ in range(200)]
    assert all(0.8 * expected <= d <= 1.2 * expected for d in delays)
    assert len(set(delays)) > 1  # jittered, so failures together do not retry together


def test_retry_delay_counts_from_the_first_failure() -> None:
    with pytest.raises(ValueError, match="first failed attempt"):
        retry_delay(0)


async def _retry_until_settled(
    factory: Factory, provider: MemorySmsProvider, start: datetime
) -> list[float]:
    """Run passes at each due time; returns the delays chosen between tries."""
    delays: list[float] = []
    now = start
    for _ in range(MAX_ATTEMPTS + 1):
        report = await dispatch_pending(factory, provider, now=now)
        assert report.handled == 1
        message = await only_message(factory)
        if message.status != "queued":
            return delays
        delay = message.next_attempt_at - now
        delays.append(delay.total_seconds())
        # Not due a moment before its time: nothing is tried early.
        early = await dispatch_pending(factory, provider, now=now + delay - timedelta(seconds=1))
        assert early == DispatchReport()
        now = message.next_attempt_at
    raise AssertionError("the message never settled")


async def test_temporary_failures_back_off_then_the_message_is_sent(factory: Factory) -> None:
    await queue_messages(factory)
    provider = MemorySmsProvider()
    provider.fail_next(*(TemporaryFailure(f"gateway 503 #{i}") for i in range(3)))

    delays = await _retry_until_settled(factory, provider, utcnow())

    for delay, expected in zip(delays, (30, 120, 480), strict=True):
        assert 0.8 * expected <= delay <= 1.2 * expected
    message = await only_message(factory)
    assert (message.status, message.attempts, message.last_error) == ("sent", 4, None)
    assert len(provider.sent) == 1


async def test_temporary_failures_give_up_after_max_attempts(factory: Factory) -> None:
    await queue_messages(factory)
    provider = MemorySmsProvider()
    provider.fail_next(*(TemporaryFailure("gateway timeout") for _ in range(MAX_ATTEMPTS)))

    delays = await _retry_until_settled(factory, provider, utcnow())

    assert len(delays) == MAX_ATTEMPTS - 1
    message = await only_message(factory)
    assert message.status == "failed"
    assert message.attempts == MAX_ATTEMPTS
    assert message.last_error is not None
    assert message.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempts")
    assert "gateway timeout" in message.last_error
    assert provider.sent == []


async def test_a_permanent_failure_fails_at_once(factory: Factory) -> None:
    await queue_messages(factory)
    provider = MemorySmsProvider()
    provider.fail_next(PermanentFailure("21614: not a mobile number"))

    assert await dispatch_pending(factory, provider) == DispatchReport(failed=1)

    message = await only_message(factory)
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.last_error == "permanent: 21614: not a mobile number"
    assert await dispatch_pending(factory, provider, now=utcnow() + timedelta(days=1)) == (
        DispatchReport()
    )


class BrokenProvider:
    """An adapter with a bug: raises something that is not a ProviderError."""

    def __init__(self) -> None:
        self.calls = 0

    async def send(self, message: OutgoingSms) -> str:
        self.calls += 1
        raise KeyError("sid")


async def test_an_adapter_bug_is_retried_not_fatal(factory: Factory) -> None:
    await queue_messages(factory, 2)
    provider = BrokenProvider()

    assert await dispatch_pending(factory, provider) == DispatchReport(retried=2)
    assert provider.calls == 2
    assert {m.last_error for m in await all_messages(factory)} == {"KeyError: 'sid'"}


async def test_a_sign_in_code_that_waited_past_its_expiry_is_not_sent(factory: Factory) -> None:
    await queue_messages(factory, template="auth.sign_in_code")
    provider = MemorySmsProvider()

    report = await dispatch_pending(factory, provider, now=utcnow() + timedelta(minutes=11))

    assert report == DispatchReport(failed=1)
    assert provider.sent == []
    assert (await only_message(factory)).last_error == "expired"


class ProcessDied(BaseException):
    """Stands for the process being killed: not an Exception, so nothing catches it."""


class CrashingProvider:
    """The process dies while the gateway is on the line."""

    async def send(self, message: OutgoingSms) -> str:
        raise ProcessDied


async def test_a_crash_mid_send_loses_nothing(factory: Factory) -> None:
    await queue_messages(factory)
    now = utcnow()
    with pytest.raises(ProcessDied):
        await dispatch_pending(factory, CrashingProvider(), now=now)
    message = await only_message(factory)
    assert (message.status, message.attempts) == ("queued", 1)

    provider = MemorySmsProvider()
    # Still claimed by the dead dispatcher for the lease, so nobody sends it meanwhile...
    assert await dispatch_pending(factory, provider, now=now + CLAIM_LEASE / 2) == (
        DispatchReport()
    )
    # ...and sent once the lease runs out.
    later = now + CLAIM_LEASE + timedelta(seconds=1)
    assert await dispatch_pending(factory, provider, now=later) == DispatchReport(sent=1)
    assert (await only_message(factory)).status == "sent"


class SlowRecordingProvider:
    """A gateway that takes a moment per message, so concurrent dispatchers interleave."""

    def __init__(self, name: str, log: list[tuple[str, str]]) -> None:
        self.name = name
        self.log = log

    async def send(self, message: OutgoingSms) -> str:
        await asyncio.sleep(0.002)
        assert message.outbox_id is not None
        self.log.append((self.name, message.outbox_id))
        return f"{self.name}-{message.outbox_id}"


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_concurrent_dispatchers_never_send_one_message_twice(
    factory: Factory, database_url: str
) -> None:
    await queue_messages(factory, 60)
    log: list[tuple[str, str]] = []
    # Separate engines, as separate processes would have.
    engines = [create_engine(database_url) for _ in range(4)]
    try:
        for engine in engines:  # connected up front, so all four start on the queue together
            async with engine.connect():
                pass
        reports = await asyncio.gather(
            *(
                dispatch_pending(session_factory(engine), SlowRecordingProvider(f"d{i}", log))
                for i, engine in enumerate(engines)
            )
        )
    finally:
        for engine in engines:
            await engine.dispose()

    sends = Counter(outbox_id for _, outbox_id in log)
    assert len(sends) == 60
    assert max(sends.values()) == 1
    assert sum(report.sent for report in reports) == 60
    assert sum(report.sent > 0 for report in reports) >= 2  # really side by side
    messages = await all_messages(factory)
    assert {m.status for m in messages} == {"sent"}
    senders = {outbox_id: name for name, outbox_id in log}
    assert all(m.provider_message_id == f"{senders[str(m.id)]}-{m.id}" for m in messages)


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_dispatcher_skips_a_message_another_holds_instead_of_waiting(
    factory: Factory,
) -> None:
    await queue_messages(factory, 2)
    first, second = await all_messages(factory)
    provider = MemorySmsProvider()
    async with factory() as holder, holder.begin():
        await holder.execute(
            select(OutboxMessage).where(OutboxMessage.id == first.id).with_for_update()
        )
        report = await asyncio.wait_for(dispatch_pending(factory, provider), timeout=5)
        assert report == DispatchReport(sent=1)
        sent = provider.sent[0]
    assert (await all_messages(factory))[1].provider_message_id == sent.id
    assert (await all_messages(factory))[0].status == "queued"
    assert second.id != first.id


async def test_a_message_that_kills_the_dispatcher_every_time_is_given_up(
    factory: Factory,
) -> None:
    await queue_messages(factory)
    now = utcnow()
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(ProcessDied):
            await dispatch_pending(factory, CrashingProvider(), now=now)
        now += CLAIM_LEASE + timedelta(seconds=1)
    provider = MemorySmsProvider()

    assert await dispatch_pending(factory, provider, now=now) == DispatchReport(failed=1)

    message = await only_message(factory)
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert message.last_error == f"gave up after {MAX_ATTEMPTS} attempts: no outcome recorded"
    assert provider.sent == []
