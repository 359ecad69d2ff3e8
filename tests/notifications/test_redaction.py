"""A sign-in code does not outlive its delivery in the outbox table."""

from __future__ import annotations

from datetime import timedelta

from core.clock import utcnow
from notifications.dispatcher import dispatch_pending
from notifications.providers import MemorySmsProvider, PermanentFailure
from notifications.repository import REDACTED_BODY
from tests.notifications.outbox_helpers import PHONE, Factory, all_messages, queue_messages


async def test_a_sent_code_is_redacted_and_other_messages_are_kept(factory: Factory) -> None:
    await queue_messages(factory, template="auth.sign_in_code")
    await queue_messages(factory, template="sms.started")
    provider = MemorySmsProvider()

    await dispatch_pending(factory, provider)

    assert any("000000" in sent.body for sent in provider.messages_to(PHONE))
    stored = {message.template: message for message in await all_messages(factory)}
    assert stored["auth.sign_in_code"].status == "sent"
    assert stored["auth.sign_in_code"].body == REDACTED_BODY
    assert stored["sms.started"].body != REDACTED_BODY


async def test_a_code_given_up_on_is_redacted_too(factory: Factory) -> None:
    await queue_messages(factory, template="auth.sign_in_code")
    provider = MemorySmsProvider()
    provider.fail_next(PermanentFailure("unreachable number"))

    await dispatch_pending(factory, provider)

    (message,) = await all_messages(factory)
    assert message.status == "failed"
    assert message.body == REDACTED_BODY


async def test_a_code_is_kept_while_it_waits_for_a_retry(factory: Factory) -> None:
    from notifications.providers import TemporaryFailure

    await queue_messages(factory, template="auth.sign_in_code")
    provider = MemorySmsProvider()
    provider.fail_next(TemporaryFailure("gateway busy"))

    await dispatch_pending(factory, provider)
    (waiting,) = await all_messages(factory)
    assert waiting.status == "queued" and "000000" in waiting.body

    await dispatch_pending(factory, provider, now=utcnow() + timedelta(minutes=1))
    (sent,) = await all_messages(factory)
    assert sent.status == "sent" and sent.body == REDACTED_BODY
