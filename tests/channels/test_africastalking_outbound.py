"""Outbound texts through the Africa's Talking adapter against its local fake, and its
delivery reports, table-driven like the Twilio ones."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from core.db import create_engine, session_factory
from fakes.africastalking import FakeAfricasTalking, create_fake_africastalking
from fakes.server import free_port, running
from notifications.africastalking import AfricasTalkingSmsProvider
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
from pools.models import Worker
from tests.channels.conftest import twilio_settings

USERNAME, KEY, TOKEN = "sandbox", "at-api-key-for-the-tests", "at-callback-token"


@pytest.fixture
def fake() -> Iterator[tuple[FakeAfricasTalking, str]]:
    state = FakeAfricasTalking(username=USERNAME, api_key=KEY)
    with running(create_fake_africastalking(state)) as base:
        yield state, base


def adapter(base: str, key: str = KEY) -> AfricasTalkingSmsProvider:
    return AfricasTalkingSmsProvider(username=USERNAME, api_key=key, api_url=base, sender="MUTUA")


def sms_to(to: str) -> OutgoingSms:
    return OutgoingSms(to=to, body="Akiba Ksh 0.00", template="sms.balance", language="sw")


@pytest.mark.parametrize(
    ("to", "raises", "code"),
    [
        ("+254712345678", None, None),
        ("+254700000403", PermanentFailure, "403"),
        ("+254700000405", TemporaryFailure, "405"),
        ("+254700000406", RecipientOptedOut, "406"),
        ("+254700000409", RecipientOptedOut, "409"),
        ("+254700000500", TemporaryFailure, "500"),
        ("0712345678", PermanentFailure, "403"),
    ],
)
async def test_each_africastalking_answer_is_the_right_kind_of_outcome(
    fake: tuple[FakeAfricasTalking, str], to: str, raises: type | None, code: str | None
) -> None:
    state, base = fake
    provider = adapter(base)
    try:
        if raises is None:
            message_id = await provider.send(sms_to(to))
            assert message_id.startswith("ATXid_")
            assert state.messages == [
                {"id": message_id, "to": to, "message": "Akiba Ksh 0.00", "from": "MUTUA"}
            ]
        else:
            with pytest.raises(raises) as caught:
                await provider.send(sms_to(to))
            assert caught.value.code == code
    finally:
        await provider.aclose()


async def test_a_wrong_key_or_a_dead_gateway_waits_for_a_retry(
    fake: tuple[FakeAfricasTalking, str],
) -> None:
    _, base = fake
    for provider in (adapter(base, key="wrong"), adapter(f"http://127.0.0.1:{free_port()}")):
        with pytest.raises(TemporaryFailure):
            await provider.send(sms_to("+254712345678"))
        await provider.aclose()


def test_the_setting_builds_the_africastalking_adapter(database_url: str) -> None:
    settings = twilio_settings(
        database_url, africastalking_username=USERNAME, africastalking_api_key=KEY
    )
    assert isinstance(provider_from_setting("africastalking", settings), AfricasTalkingSmsProvider)


async def test_delivery_reports_move_the_outbox_row(
    database_url: str, fake: tuple[FakeAfricasTalking, str]
) -> None:
    state, base = fake
    settings = twilio_settings(database_url, africastalking_callback_token=TOKEN)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    phones = ["+254712000001", "+254712000002", "+254712000003"]
    async with sessions() as session:
        for phone in phones:
            session.add(Worker(phone_e164=phone, timezone="UTC", sms_opted_out=False))
            await enqueue_sms(
                session,
                to=phone,
                template="sms.started",
                language="sw",
                values={},
                dedup_key=f"test:{uuid.uuid4()}",
            )
        await session.commit()
    provider = adapter(base)
    assert (await dispatch_pending(sessions, provider)).sent == 3
    await provider.aclose()
    ids = {m["to"]: m["id"] for m in state.messages}
    with running(create_app(settings, run_outbox_worker=False)) as live:
        state.callback_url = f"{live}/v1/sms/africastalking/delivery?token={TOKEN}"
        async with httpx.AsyncClient(base_url=base) as client:
            for phone, status, reason in [
                (phones[0], "Success", ""),
                (phones[1], "AbsentSubscriber", "DeliveryFailure"),
                (phones[2], "Failed", "UserInBlacklist"),
            ]:
                body = {"id": ids[phone], "status": status, "failureReason": reason}
                answer = await client.post("/_fake/delivery", json=body)
                assert answer.json() == {"callback_status": 204}
            state.callback_url = f"{live}/v1/sms/africastalking/delivery"
            refused = await client.post(
                "/_fake/delivery", json={"id": ids[phones[0]], "status": "Failed"}
            )
            assert refused.json() == {"callback_status": 403}
    async with sessions() as session:
        rows = {m.recipient: m for m in await session.scalars(select(OutboxMessage))}
        stopped = {w.phone_e164: w.sms_opted_out for w in await session.scalars(select(Worker))}
    await engine.dispose()
    assert rows[phones[0]].status == "delivered"
    assert (rows[phones[1]].status, rows[phones[1]].error_code) == (
        "undelivered",
        "DeliveryFailure",
    )
    assert (rows[phones[2]].status, rows[phones[2]].error_code) == ("failed", "UserInBlacklist")
    assert stopped == {phones[0]: False, phones[1]: False, phones[2]: True}
