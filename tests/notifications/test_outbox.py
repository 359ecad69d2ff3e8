"""Queueing SMS: in the caller's transaction, once per event, never to an opted-out worker."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import utcnow
from i18n import TemplateError
from notifications.models import OutboxMessage
from notifications.outbox import enqueue_sms
from pools.models import Worker

PHONE = "+15551230001"
CODE = {"code": "123456", "minutes": 10}


async def _count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_enqueue_renders_the_message_and_queues_it_unsent(session: AsyncSession) -> None:
    message = await enqueue_sms(
        session, to=PHONE, template="auth.sign_in_code", language="es-MX", values=CODE
    )

    assert message is not None
    stored = await session.get(OutboxMessage, message.id)
    assert stored is not None
    assert stored.status == "queued"
    assert (stored.attempts, stored.sent_at, stored.provider_message_id) == (0, None, None)
    assert stored.recipient == PHONE
    assert stored.template == "auth.sign_in_code"
    assert stored.language == "es"
    assert "123456" in stored.body
    assert "Mutua" in stored.body and "Your" not in stored.body  # Spanish, not English
    assert stored.next_attempt_at <= utcnow()  # due at once, once the caller commits


async def test_enqueue_writes_nothing_when_the_callers_transaction_fails(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    class RequestFailed(Exception):
        pass

    with pytest.raises(RequestFailed):
        async with factory() as session, session.begin():
            await enqueue_sms(
                session, to=PHONE, template="auth.sign_in_code", language="en", values=CODE
            )
            assert await _count(session) == 1
            raise RequestFailed
    async with factory() as session:
        assert await _count(session) == 0


@pytest.mark.parametrize(
    ("second_language", "second_values"),
    [
        ("en", CODE),
        ("es", CODE),  # the worker switched language: still the same event
        ("en", {"code": "654321", "minutes": 10}),  # different text, same key
    ],
)
async def test_same_dedup_key_queues_once(
    session: AsyncSession, second_language: str, second_values: dict[str, object]
) -> None:
    first = await enqueue_sms(
        session,
        to=PHONE,
        template="auth.sign_in_code",
        language="en",
        values=CODE,
        dedup_key="otp:0192f3a4",
    )
    second = await enqueue_sms(
        session,
        to=PHONE,
        template="auth.sign_in_code",
        language=second_language,
        values=second_values,
        dedup_key="otp:0192f3a4",
    )

    assert first is not None
    assert second is None
    assert await _count(session) == 1
    # The caller's transaction is still usable after a duplicate.
    other = await enqueue_sms(
        session,
        to=PHONE,
        template="auth.sign_in_code",
        language="en",
        values=CODE,
        dedup_key="otp:0192f3a5",
    )
    assert other is not None
    assert await _count(session) == 2


async def test_messages_without_a_dedup_key_are_all_queued(session: AsyncSession) -> None:
    for _ in range(3):
        assert await enqueue_sms(
            session, to=PHONE, template="auth.sign_in_code", language="en", values=CODE
        )
    assert await _count(session) == 3


async def test_concurrent_enqueues_with_one_key_queue_one_message(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    """Both pass the existence check, or one waits on the other; either way one row."""

    async def enqueue_and_commit(hold: asyncio.Event, go: asyncio.Event) -> bool:
        async with factory() as session, session.begin():
            message = await enqueue_sms(
                session,
                to=PHONE,
                template="auth.sign_in_code",
                language="en",
                values=CODE,
                dedup_key="payout:pool-1:member-1:2026-11",
            )
            hold.set()
            await go.wait()
            return message is not None

    first_ready, second_ready, go = asyncio.Event(), asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(enqueue_and_commit(first_ready, go))
    await first_ready.wait()  # first has flushed its row and holds its transaction open
    second = asyncio.create_task(enqueue_and_commit(second_ready, go))
    await asyncio.sleep(0.2)  # second is now blocked on the first's row or write lock
    go.set()
    results = await asyncio.gather(first, second)

    assert sorted(results) == [False, True]
    async with factory() as session:
        assert await _count(session) == 1


@pytest.mark.parametrize(("opted_out", "queued"), [(True, False), (False, True)])
async def test_enqueue_honours_the_workers_opt_out(
    session: AsyncSession, opted_out: bool, queued: bool
) -> None:
    session.add(Worker(phone_e164=PHONE, language="en", sms_opted_out=opted_out))
    await session.flush()

    message = await enqueue_sms(
        session, to=PHONE, template="auth.sign_in_code", language="en", values=CODE
    )

    assert (message is not None) is queued
    assert await _count(session) == int(queued)


async def test_a_phone_with_no_worker_yet_can_be_texted(session: AsyncSession) -> None:
    """The first sign-in code goes to a phone nobody has registered."""
    other = "+15551230002"
    session.add(Worker(phone_e164=other, language="en", sms_opted_out=True))
    await session.flush()
    assert await enqueue_sms(
        session, to=PHONE, template="auth.sign_in_code", language="en", values=CODE
    )


@pytest.mark.parametrize(
    ("to", "dedup_key", "says"),
    [
        ("5551230001", None, "E.164"),
        ("+1 555 123 0001", None, "E.164"),
        ("", None, "E.164"),
        (PHONE, "", "dedup_key"),
        (PHONE, "código:42", "dedup_key"),  # localized text in a key
        (PHONE, "k" * 201, "dedup_key"),
    ],
)
async def test_enqueue_refuses_caller_bugs(
    session: AsyncSession, to: str, dedup_key: str | None, says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        await enqueue_sms(
            session,
            to=to,
            template="auth.sign_in_code",
            language="en",
            values=CODE,
            dedup_key=dedup_key,
        )
    assert await _count(session) == 0


async def test_enqueue_refuses_values_the_template_does_not_take(session: AsyncSession) -> None:
    with pytest.raises(TemplateError):
        await enqueue_sms(
            session, to=PHONE, template="auth.sign_in_code", language="en", values={"code": 1}
        )
    assert await _count(session) == 0
