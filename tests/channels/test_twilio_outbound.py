"""Outbound texts through the Twilio adapter, against the local fake Twilio over HTTP, and
delivery receipts coming back signed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from core.db import create_engine, session_factory
from fakes.server import free_port, running
from fakes.twilio import FakeTwilio, create_fake_twilio
from notifications.dispatcher import dispatch_pending
from notifications.models import OutboxMessage
from notifications.outbox import enqueue_sms
from notifications.providers import (
    OutgoingSms,
    PermanentFailure,
    RecipientOptedOut,
    TemporaryFailure,
    provider_from_setting,
)
from notifications.twilio import TwilioSmsProvider
from pools.models import Worker
from tests.channels.conftest import PUBLIC_URL, TWILIO_ACCOUNT, TWILIO_TOKEN, twilio_settings


@pytest.fixture
def fake() -> Iterator[tuple[FakeTwilio, str]]:
    state = FakeTwilio(account_sid=TWILIO_ACCOUNT, auth_token=TWILIO_TOKEN, public_url=PUBLIC_URL)
    with running(create_fake_twilio(state)) as base:
        yield state, base


def adapter(base: str, **overrides: str) -> TwilioSmsProvider:
    options = {
        "account_sid": TWILIO_ACCOUNT,
        "auth_token": TWILIO_TOKEN,
        "api_url": base,
        "from_number": "+15005550006",
        "status_callback": PUBLIC_URL + "/v1/sms/twilio/status",
        **overrides,
    }
    return TwilioSmsProvider(**options)


def sms_to(to: str) -> OutgoingSms:
    return OutgoingSms(to=to, body="Hola, ¿qué tal? 50 €", template="sms.help", language="es")


@pytest.mark.parametrize(
    ("to", "fail", "raises", "code"),
    [
        ("+14155550100", None, None, None),
        ("+15005550001", None, PermanentFailure, "21211"),
        ("+15005550002", None, PermanentFailure, "21612"),
        ("+15005550003", None, PermanentFailure, "21408"),
        ("+15005550004", None, RecipientOptedOut, "21610"),
        ("+15005550009", None, PermanentFailure, "21614"),
        ("+14155550100", 429, TemporaryFailure, "20429"),
        ("+14155550100", 500, TemporaryFailure, "20500"),
        ("+14155550100", 503, TemporaryFailure, "20500"),
    ],
)
async def test_each_twilio_answer_is_the_right_kind_of_outcome(
    fake: tuple[FakeTwilio, str], to: str, fail: int | None, raises: type | None, code: str | None
) -> None:
    state, base = fake
    if fail:
        state.failures.append(fail)
    provider = adapter(base)
    try:
        if raises is None:
            sid = await provider.send(sms_to(to))
            assert sid.startswith("SM") and len(sid) == 34
            [sent] = state.messages
            assert (sent["to"], sent["from"], sent["body"]) == (
                to,
                "+15005550006",
                "Hola, ¿qué tal? 50 €",
            )
            assert sent["status_callback"] == PUBLIC_URL + "/v1/sms/twilio/status"
            assert sent["num_segments"] == "1"
        else:
            with pytest.raises(raises) as caught:
                await provider.send(sms_to(to))
            assert caught.value.code == code
            assert state.messages == []
    finally:
        await provider.aclose()


async def test_wrong_credentials_and_a_dead_gateway_wait_for_a_retry(
    fake: tuple[FakeTwilio, str],
) -> None:
    _, base = fake
    wrong = adapter(base, auth_token="not-the-token")
    with pytest.raises(TemporaryFailure) as caught:
        await wrong.send(sms_to("+14155550100"))
    assert caught.value.code == "20003"
    await wrong.aclose()
    dead = adapter(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TemporaryFailure):
        await dead.send(sms_to("+14155550100"))
    await dead.aclose()


async def test_a_messaging_service_replaces_the_from_number(fake: tuple[FakeTwilio, str]) -> None:
    state, base = fake
    provider = adapter(base, from_number="", messaging_service_sid="MG" + "2" * 32)
    await provider.send(sms_to("+14155550100"))
    await provider.aclose()
    assert state.messages[0]["messaging_service_sid"] == "MG" + "2" * 32
    assert state.messages[0]["from"] is None


def test_the_setting_builds_the_twilio_adapter(database_url: str) -> None:
    settings = twilio_settings(database_url, sms_provider="twilio")
    provider = provider_from_setting("twilio", settings)
    assert isinstance(provider, TwilioSmsProvider)
    assert provider.status_callback == PUBLIC_URL + "/v1/sms/twilio/status"
    with pytest.raises(ValueError, match="MUTUA_TWILIO_AUTH_TOKEN"):
        provider_from_setting("twilio", replace(settings, twilio_auth_token=""))


async def test_sent_then_delivered_undelivered_or_failed_by_signed_receipts(
    database_url: str, fake: tuple[FakeTwilio, str]
) -> None:
    state, base = fake
    app = create_app(twilio_settings(database_url), run_outbox_worker=False)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    phones = ["+14155550161", "+14155550162", "+14155550163", "+14155550164"]
    async with sessions() as session:
        for phone in phones:
            session.add(Worker(phone_e164=phone, timezone="UTC", sms_opted_out=False))
            await enqueue_sms(
                session,
                to=phone,
                template="sms.started",
                language="en",
                values={},
                dedup_key=f"test:{uuid.uuid4()}",
            )
        await session.commit()
    provider = adapter(base)
    report = await dispatch_pending(sessions, provider)
    assert report.sent == 4
    by_phone = {m["to"]: m["sid"] for m in state.messages}
    with running(app) as live:
        state.deliver_to = live
        async with httpx.AsyncClient(base_url=base) as client:
            receipts = [
                (phones[0], "sent", None),
                (phones[0], "delivered", None),
                (phones[0], "sent", None),  # late and out of order: changes nothing
                (phones[1], "undelivered", "30007"),
                (phones[2], "failed", "30008"),
                (phones[3], "failed", "21610"),
            ]
            for phone, status, code in receipts:
                body = {"sid": by_phone[phone], "status": status, "error_code": code or ""}
                answer = await client.post("/_fake/status", json=body)
                assert answer.json() == {"callback_status": 204}, answer.text
            unsigned = await client.post(
                "/_fake/status", json={"sid": by_phone[phones[0]], "status": "failed"}
            )
            assert unsigned.json() == {"callback_status": 204}
        state.auth_token = "not-the-token"  # a forged receipt is refused
        async with httpx.AsyncClient(base_url=base) as client:
            forged = await client.post(
                "/_fake/status", json={"sid": by_phone[phones[1]], "status": "delivered"}
            )
        assert forged.json() == {"callback_status": 403}
    await provider.aclose()
    async with sessions() as session:
        rows = {m.recipient: m for m in await session.scalars(select(OutboxMessage))}
        stopped = {w.phone_e164: w.sms_opted_out for w in await session.scalars(select(Worker))}
    await engine.dispose()
    assert (rows[phones[0]].status, rows[phones[0]].error_code) == ("delivered", None)
    assert (rows[phones[1]].status, rows[phones[1]].error_code) == ("undelivered", "30007")
    assert (rows[phones[2]].status, rows[phones[2]].error_code) == ("failed", "30008")
    assert (rows[phones[3]].status, rows[phones[3]].error_code) == ("failed", "21610")
    assert stopped == {phones[0]: False, phones[1]: False, phones[2]: False, phones[3]: True}


async def test_the_dispatcher_retries_429_and_5xx_but_not_permanent_errors(
    database_url: str, fake: tuple[FakeTwilio, str]
) -> None:
    state, base = fake
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        for phone in ("+14155550171", "+15005550001", "+15005550004"):
            session.add(Worker(phone_e164=phone, timezone="UTC", sms_opted_out=False))
            await enqueue_sms(session, to=phone, template="sms.started", language="en", values={})
        await session.commit()
    state.failures.extend([429])
    provider = adapter(base)
    first = await dispatch_pending(sessions, provider)
    await provider.aclose()
    async with sessions() as session:
        rows = {m.recipient: m for m in await session.scalars(select(OutboxMessage))}
        stopped = {w.phone_e164: w.sms_opted_out for w in await session.scalars(select(Worker))}
    await engine.dispose()
    assert (first.sent, first.retried, first.failed) == (0, 1, 2)
    assert rows["+14155550171"].status == "queued" and "20429" in (
        rows["+14155550171"].last_error or ""
    )
    assert (rows["+15005550001"].status, rows["+15005550001"].error_code) == ("failed", "21211")
    assert (rows["+15005550004"].status, rows["+15005550004"].error_code) == ("failed", "21610")
    assert stopped["+15005550004"] is True and stopped["+15005550001"] is False
