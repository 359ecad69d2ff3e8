"""The inbound webhook's edge: Twilio's signatures exactly, and bad input refused cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from channels.models import InboundMessage
from channels.twilio_signature import is_valid, signature, url_variants
from pools.models import Worker
from tests.channels.conftest import (
    INBOUND_URL,
    TWILIO_ACCOUNT,
    TWILIO_TOKEN,
    SmsApi,
    message_of,
    new_sid,
    signed,
)

PARAMS = {"MessageSid": "SM" + "0" * 32, "From": "+14155550191", "Body": "Olá, São Paulo & co <3"}


@pytest.mark.parametrize(
    "url",
    [
        "https://mutua.example.org/v1/sms/twilio",
        "https://mutua.example.org:443/v1/sms/twilio",
        "http://mutua.example.org:80/v1/sms/twilio?x=1",
        "https://mutua.example.org/v1/sms/twilio?a=b&c=d",
    ],
)
def test_signatures_agree_with_the_official_validator(url: str) -> None:
    official = RequestValidator(TWILIO_TOKEN)
    ours = signature(TWILIO_TOKEN, url, PARAMS.items())
    assert ours == official.compute_signature(url, PARAMS)
    assert official.validate(url, PARAMS, ours)
    for variant in url_variants(url):
        assert is_valid(TWILIO_TOKEN, variant, PARAMS.items(), ours)


def test_port_quirk_is_accepted_both_ways() -> None:
    with_port = RequestValidator(TWILIO_TOKEN).compute_signature(
        "https://mutua.example.org:443/v1/sms/twilio", PARAMS
    )
    assert is_valid(
        TWILIO_TOKEN, "https://mutua.example.org/v1/sms/twilio", PARAMS.items(), with_port
    )
    bare = RequestValidator(TWILIO_TOKEN).compute_signature(INBOUND_URL, PARAMS)
    assert is_valid(
        TWILIO_TOKEN, "https://mutua.example.org:443/v1/sms/twilio", PARAMS.items(), bare
    )


@pytest.mark.parametrize(
    "tamper",
    ["other token", "other url", "other body", "extra field", "no signature", "empty token"],
)
def test_anything_else_is_refused(tamper: str) -> None:
    good = signature(TWILIO_TOKEN, INBOUND_URL, PARAMS.items())
    token, url, params, given = TWILIO_TOKEN, INBOUND_URL, dict(PARAMS), good
    if tamper == "other token":
        given = RequestValidator("not-the-token").compute_signature(url, params)
    elif tamper == "other url":
        url = "https://evil.example.org/v1/sms/twilio"
    elif tamper == "other body":
        params["Body"] = "BALANCE"
    elif tamper == "extra field":
        params["To"] = "+15005550006"
    elif tamper == "no signature":
        given = ""
    else:
        token = ""
    assert not is_valid(token, url, params.items(), given)


async def _stored(sms: SmsApi) -> tuple[int, int]:
    async with sms.db() as session:
        inbound = await session.scalar(select(func.count()).select_from(InboundMessage))
        workers = await session.scalar(select(func.count()).select_from(Worker))
    return int(inbound or 0), int(workers or 0)


def _form(**overrides: str) -> dict[str, str]:
    form = {
        "MessageSid": new_sid(),
        "AccountSid": TWILIO_ACCOUNT,
        "From": "+14155550192",
        "To": "+14155550000",
        "Body": "STOP",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v != "<drop>"}


async def test_unsigned_or_mis_signed_webhooks_get_403_and_store_nothing(sms: SmsApi) -> None:
    form = _form()
    cases = [
        {},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        signed(INBOUND_URL, form, token="another-token"),
        signed("https://mutua.example.org/v1/sms/other", form),
    ]
    for headers in cases:
        response = await sms.client.post("/v1/sms/twilio", data=form, headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["type"].endswith("/forbidden")
    other_account = _form(AccountSid="AC" + "9" * 32)
    response = await sms.client.post(
        "/v1/sms/twilio", data=other_account, headers=signed(INBOUND_URL, other_account)
    )
    assert response.status_code == 403
    assert await _stored(sms) == (0, 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("MessageSid", "<drop>"),
        ("From", "<drop>"),
        ("From", "not a phone"),
        ("MessageSid", "x" * 65),
    ],
)
async def test_a_missing_or_bad_field_is_a_422_and_stores_nothing(
    sms: SmsApi, field: str, value: str
) -> None:
    form = _form(**{field: value})
    response = await sms.client.post("/v1/sms/twilio", data=form, headers=signed(INBOUND_URL, form))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert await _stored(sms) == (0, 0)


async def test_long_bodies_and_control_characters_get_a_clear_reply(sms: SmsApi) -> None:
    pool = await sms.pool_code()
    phone = "+14155550193"
    await sms.text(phone, f"JOIN {pool['code']}")
    long_reply = await sms.text(phone, "APPEAL " + "x" * 2000)
    assert (
        long_reply == "There is no decision to explain yet. It comes after your pool's monthly run."
    )
    decision = await sms.add_decision(phone, "2026-11")
    filed = await sms.text(phone, "APPEAL " + "y" * 2000)
    assert filed is not None and decision.reference in filed
    control = await sms.text(phone, "BA\x00LANCE\x07 \x1b[2J")
    assert control == "Sorry, we did not understand. Text HELP to see the commands."
    assert (await sms.text(phone, "\x00BALANCE\x00") or "").startswith("Savings")
    assert (await sms.text(phone, "") or "").startswith("Sorry")


async def test_an_unknown_number_saying_income_is_told_to_join(sms: SmsApi) -> None:
    assert await sms.text("+14155550194", "INCOME 450 uber") == (
        "You are not in a Mutua pool yet. Text JOIN and your pool's code, or HELP."
    )
    assert await _stored(sms) == (1, 0)


async def test_replies_are_twiml_and_escaped(sms: SmsApi) -> None:
    response = await sms.webhook("+14155550195", "HELP <b>&")
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    stopped = await sms.webhook("+14155550195", "STOP")
    assert message_of(stopped.text) is not None
    silent = await sms.webhook("+14155550195", "HELP")
    assert silent.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'


async def test_the_same_message_twice_at_once_has_one_effect(database_url: str) -> None:
    import asyncio

    import httpx

    from api.app import create_app
    from core.db import create_engine, session_factory
    from fakes.server import running
    from income.models import IncomeRecord
    from tests.channels.conftest import twilio_settings

    app = create_app(twilio_settings(database_url), run_outbox_worker=False)
    phone = "+14155550196"
    with running(app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:

            async def text(body: str, sid: str | None = None) -> httpx.Response:
                form = _form(From=phone, Body=body, MessageSid=sid or new_sid())
                return await client.post(
                    "/v1/sms/twilio", data=form, headers=signed(INBOUND_URL, form)
                )

            engine = create_engine(database_url)
            sessions = session_factory(engine)
            from pools.admins import create_admin
            from pools.service import create_pool

            async with sessions() as session:
                owner = await create_admin(session, "race@example.org", "a long passphrase here")
                pool = await create_pool(session, owner.id, name="Race Co-op", currency="USD")
                await session.commit()
            await text(f"JOIN {pool.join_code}")
            await text("INCOME 77 uber 1")
            sid = "SM" + "b" * 32
            first, second = await asyncio.gather(text("YES", sid), text("YES", sid))
    assert first.status_code == second.status_code == 200
    assert message_of(first.text) == message_of(second.text)
    assert (message_of(first.text) or "").startswith("Saved: Uber $77.00")
    async with sessions() as session:
        records = list(await session.scalars(select(IncomeRecord)))
        logged = await session.scalar(
            select(func.count()).select_from(InboundMessage).where(InboundMessage.message_id == sid)
        )
    await engine.dispose()
    assert len(records) == 1 and logged == 1
