"""A USSD session walked screen by screen, as Africa's Talking drives it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from api.app import create_app
from core.db import create_engine, session_factory
from i18n.sms import measure
from income.models import IncomeRecord
from notifications.providers import MemorySmsProvider
from pools.repository import worker_by_phone
from tests.channels.conftest import AT_TOKEN as TOKEN
from tests.channels.conftest import SmsApi, twilio_settings


async def dial(at: SmsApi, phone: str, text: str, **extra: Any) -> str:
    form = {
        "sessionId": "ATUid_0123456789abcdef",
        "serviceCode": "*384*1234#",
        "phoneNumber": phone,
        "networkCode": "63902",
        "text": text,
        **extra,
    }
    response = await at.client.post(f"/v1/ussd/africastalking?token={TOKEN}", data=form)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    body = response.text
    assert body.startswith(("CON ", "END ")), body
    encoding, _, characters = measure(body[4:])
    assert characters <= (182 if encoding == "GSM-7" else 80), body
    return body


async def test_a_whole_ussd_session_screen_by_screen(at: SmsApi) -> None:
    pool = await at.pool_code(currency="KES", timezone="Africa/Nairobi", name="Boda Boda Co-op")
    phone = "+254712345678"
    walk = [
        ("", "CON Ingiza|CON Enter|CON Weka nambari ya mfuko wako:"),
        ("WRONGCODE", "END Hakuna mfuko wenye nambari hiyo."),
        (pool["code"], "END Karibu Mutua!"),
        ("", "CON Mutua\n1 Salio\n2 Lengo la akiba\n3 Ripoti mapato"),
        ("1", "END Akiba Ksh 0.00\nUmelipa Ksh 0.00\nDeni Ksh 0.00"),
        ("2", "END Bado: hii inakuja baada ya hesabu ya mwezi."),
        ("3", "CON Kiasi ulichopata:"),
        ("3*elfu", "END Jibu si sahihi."),
        ("3*1.250,50", "CON Jukwaa (mf. Uber):"),
        ("3*1,250.50", "CON Jukwaa (mf. Uber):"),
        ("3*1,250.50*bolt", "END Jibu si sahihi."),
        ("3*1,250.50*uber", "CON Mwezi:\n1 "),
        ("3*1,250.50*uber*2", "CON Uber Ksh 1,250.50, "),
        ("3*1,250.50*uber*2*2", "END Hakuna kilichohifadhiwa."),
        ("3*1,250.50*uber*2*1", "END Imehifadhiwa: Uber Ksh 1,250.50, "),
        ("4", "END Bado"),
        ("5", "CON Lugha:\n1 English\n2 Español"),
        ("5*0", "CON Lugha:\n7 Tiếng Việt"),
        ("5*0*8", "END Mutua 将用中文与您交流。"),
        ("", "CON Mutua\n1 余额"),
        ("5*1", "END Mutua will now speak English with you."),
        ("9", "END That is not a valid answer. Dial again."),
    ]
    for text, expected in walk:
        screen = await dial(at, phone, text)
        assert any(screen.startswith(option) for option in expected.split("|")), (text, screen)
    async with at.db() as session:
        records = list(await session.scalars(select(IncomeRecord)))
        worker = await worker_by_phone(session, phone)
    assert [(r.kind, r.platform, r.amount_minor) for r in records] == [("sms", "uber", 125050)]
    assert worker is not None and worker.language == "en"


async def test_the_callback_needs_its_token_and_its_fields(at: SmsApi) -> None:
    form = {"sessionId": "s", "phoneNumber": "+254712345678", "text": ""}
    for url in ("/v1/ussd/africastalking", "/v1/ussd/africastalking?token=wrong"):
        response = await at.client.post(url, data=form)
        assert response.status_code == 403 and response.json()["type"].endswith("/forbidden")
    bad = [
        ({"phoneNumber": "+254712345678", "text": ""}, "sessionId"),
        ({"sessionId": "s", "phoneNumber": "0712", "text": ""}, "phoneNumber"),
        ({"sessionId": "s", "phoneNumber": "+254712345678", "text": "1*" * 150}, "text"),
        ({"sessionId": "s", "phoneNumber": "+254712345678", "text": "1\x00"}, "text"),
    ]
    for fields, name in bad:
        response = await at.client.post(f"/v1/ussd/africastalking?token={TOKEN}", data=fields)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == name
    async with at.db() as session:
        assert await worker_by_phone(session, "+254712345678") is None


async def test_a_worker_in_no_pool_is_asked_to_join(at: SmsApi) -> None:
    pool = await at.pool_code(currency="KES", timezone="Africa/Nairobi")
    phone = "+254712345670"
    await at.worker_headers(phone)  # signed in on the web, joined nothing
    assert await dial(at, phone, "") == "CON Weka nambari ya mfuko wako:"
    assert (
        await dial(at, phone, "1") == "END Hakuna mfuko wenye nambari hiyo. Iangalie na upige tena."
    )
    assert (await dial(at, phone, pool["code"])).startswith("END Karibu Mutua!")
    assert (await dial(at, phone, "")).startswith("CON Mutua\n1 Salio")


@pytest.fixture
async def limited(database_url: str) -> AsyncIterator[SmsApi]:
    """Africa's Talking's callbacks with three USSD screens a phone an hour."""
    settings = twilio_settings(database_url, africastalking_callback_token=TOKEN, ussd_per_hour=3)
    app = create_app(settings, sms_provider=MemorySmsProvider(), run_outbox_worker=False)
    engine = create_engine(database_url)
    async with AsyncTestClient(app=app) as client:
        yield SmsApi(client=client, sms=MemorySmsProvider(), db=session_factory(engine))
    await engine.dispose()


async def test_a_phone_that_dials_too_often_is_told_to_wait_in_its_language(
    limited: SmsApi,
) -> None:
    kenyan, mexican = "+254712345678", "+525512345678"
    for _ in range(3):
        assert (await dial(limited, kenyan, "")).startswith("CON ")
    # The fourth screen in the hour ends the session, in Swahili for a Kenyan phone...
    assert await dial(limited, kenyan, "") == (
        "END Umetumia menyu hii mara nyingi. Tafadhali subiri saa moja, kisha piga tena."
    )
    assert (await dial(limited, kenyan, "1")).startswith("END Umetumia")
    # ...and another phone still gets its menu, in Spanish for a Mexican one.
    assert (await dial(limited, mexican, "")).startswith("CON ")
    for _ in range(2):
        await dial(limited, mexican, "")
    assert (await dial(limited, mexican, "")).startswith(
        "END Usaste este menu muchas veces"
    )  # GSM-7: menu, not menú
