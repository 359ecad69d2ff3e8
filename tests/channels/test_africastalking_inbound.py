"""Texts to Mutua through Africa's Talking: the same conversation, replies by the outbox."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from notifications.models import OutboxMessage
from tests.channels.conftest import AT_TOKEN as TOKEN
from tests.channels.conftest import SmsApi

_ids = itertools.count(1)


async def text(at: SmsApi, phone: str, body: str, message_id: str | None = None) -> str | None:
    form = {
        "from": phone,
        "to": "21525",
        "text": body,
        "date": "2026-12-02 10:00:00",
        "id": message_id or f"ATXid_in_{next(_ids)}",
        "linkId": "SampleLinkId123",
        "networkCode": "63902",
    }
    response = await at.client.post(f"/v1/sms/africastalking/inbound?token={TOKEN}", data=form)
    assert response.status_code == 200, response.text
    before = len(at.sms.messages_to(phone))
    await at.deliver()
    sent = at.sms.messages_to(phone)
    return sent[-1].body if len(sent) > before else None


async def test_a_conversation_over_africastalking(at: SmsApi) -> None:
    pool = await at.pool_code(currency="KES", timezone="Africa/Nairobi", name="Boda Boda Co-op")
    phone = "+254712345679"
    joined = await text(at, phone, f"JIUNGE {pool['code']}")
    assert joined is not None and "Boda Boda Co-op" in joined and "Welcome" not in joined
    assert (await text(at, phone, "salio") or "").startswith("Akiba Ksh 0.00")
    retried = await text(at, phone, "salio", message_id="ATXid_same")
    assert retried is not None
    assert (
        await text(at, phone, "salio", message_id="ATXid_same") is None
    )  # a retry: no second text
    stopped = await text(at, phone, "SITISHA")
    assert stopped is not None and "ANZA" in stopped  # the STOP confirmation still goes out
    assert await text(at, phone, "salio") is None
    assert (await text(at, phone, "ANZA") or "") != ""
    async with at.db() as session:
        statuses = [m.status for m in await session.scalars(select(OutboxMessage))]
    assert statuses.count("sent") == 5


async def test_the_inbound_callback_needs_its_token(at: SmsApi) -> None:
    form = {"from": "+254712345679", "text": "STOP", "id": "ATXid_1"}
    response = await at.client.post("/v1/sms/africastalking/inbound", data=form)
    assert response.status_code == 403
    response = await at.client.post(
        f"/v1/sms/africastalking/inbound?token={TOKEN}", data={"from": "+254712345679"}
    )
    assert response.status_code == 422 and response.json()["field"] == "id"
