"""Whole SMS conversations, table-driven, in several languages, through signed webhooks."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from appeals.models import Appeal
from channels.models import InboundMessage
from income.models import IncomeRecord
from pools.repository import worker_by_phone
from tests.channels.conftest import SmsApi

# (what the worker texts, a pattern the reply must match; None: no reply at all)
Script = list[tuple[str, str | None]]

ENGLISH: Script = [
    ("hello", r"^You are not in a Mutua pool yet"),
    ("BALANCE", r"^You are not in a Mutua pool yet"),
    ("JOIN", r"^To join, text JOIN"),
    ("JOIN NOSUCHCODE", r"^No pool has the code NOSUCHCODE\."),
    ("JOIN {code}", r"^Welcome to Riders Co-op on Mutua!"),
    ("join {code}", r"^You are already a member of Riders Co-op\."),
    ("BALANCE", r"^Savings \$0\.00\. Contributions paid \$0\.00\. Owed \$0\.00\."),
    ("TARGET", r"^Your target comes after"),
    ("INCOME", r"^How much did you earn\?"),
    ("INCOME lots", r"^We could not read that amount"),
    ("INCOME 450", r"^Which platform was \$450\.00 from\?"),
    ("bicycle", r"^Which platform was \$450\.00 from\?"),
    ("uber", r"^Which month was \$450\.00 on Uber for\? Reply 1 for \w+ 20\d\d or 2 for"),
    ("2", r"^Uber \$450\.00 for \w+ 20\d\d\? Reply YES to save or NO to cancel\.$"),
    ("yes", r"^Saved: Uber \$450\.00 for \w+ 20\d\d\."),
    ("INCOME 1,234.56 uber eats 1", r"^Uber Eats \$1,234\.56 for January 20\d\d\? Reply YES"),
    ("NO", r"^Nothing was saved\."),
    ("WHY", r"^There is no decision to explain yet"),
    ("LANG klingon", r"^Text LANG and a number: 1 English, 2 Español"),
    ("HELP", r"^Mutua: text INCOME and an amount .* Help: \+1 800 555 0100$"),
    ("what?", r"^Sorry, we did not understand\. Text HELP"),
]

SPANISH: Script = [
    ("UNIRSE {code}", r"^¡Te damos la bienvenida a Riders Co-op en Mutua! Envia SALDO"),
    ("saldo", r"^Ahorros USD 0\.00\. Aportes pagados USD 0\.00\. Adeudado USD 0\.00\."),
    (
        "ingreso 1.234,56 lyft",
        r"^¿De qué mes son USD 1,234\.56 en Lyft\? Responde 1 para \w+ de 20",
    ),
    ("1", r"^Lyft USD 1,234\.56 en \w+ de 20\d\d\? Responde SI para guardar o NO"),
    ("Sí", r"^Guardado: Lyft USD 1,234\.56 en"),
    ("porque", r"^Aun no hay ninguna decision que explicar"),
    ("ayuda", r"^Mutua: envia INGRESO y un monto"),
    ("idioma 12", r"^Mutua sasa itakutumia ujumbe kwa Kiswahili"),
    ("salio", r"^Akiba US\$ 0\.00\. Michango iliyolipwa"),
]

HINDI: Script = [
    ("जुड़ें {code}", r"^Mutua: Riders Co-op में स्वागत है!"),
    ("आय ४५० uber ११", r"^Uber \$450\.00, नवंबर 20\d\d\? सहेजने को हाँ"),
    ("हाँ", r"^सहेजा: Uber \$450\.00, नवंबर"),
    ("बैलेंस", r"^बचत \$0\.00। दिया योगदान \$0\.00।"),
]


async def play(sms: SmsApi, phone: str, script: Script, code: str) -> list[tuple[str, str | None]]:
    transcript = []
    for said, expected in script:
        reply = await sms.text(phone, said.format(code=code))
        transcript.append((said.format(code=code), reply))
        if expected is None:
            assert reply is None, (said, reply)
        else:
            assert reply is not None and re.search(expected, reply), (said, reply)
    return transcript


@pytest.mark.parametrize(
    ("phone", "script"),
    [("+14155550181", ENGLISH), ("+525512345678", SPANISH), ("+919876543210", HINDI)],
    ids=["en", "es", "hi"],
)
async def test_a_whole_conversation(sms: SmsApi, phone: str, script: Script) -> None:
    pool = await sms.pool_code()
    await play(sms, phone, script, pool["code"])


async def test_income_by_sms_is_stored_with_source_sms_and_in_units_of_the_pool(
    sms: SmsApi,
) -> None:
    pool = await sms.pool_code(currency="USD")
    phone = "+14155550182"
    await play(
        sms,
        phone,
        [
            ("JOIN {code}", "Welcome"),
            ("INCOME 84.50 doordash 1", r"\? Reply YES"),
            ("YES", "Saved"),
        ],
        pool["code"],
    )
    async with sms.db() as session:
        records = list(await session.scalars(select(IncomeRecord)))
    assert [(r.kind, r.platform, r.amount_minor, r.currency) for r in records] == [
        ("sms", "doordash", 8450, "USD")
    ]
    assert records[0].period.endswith("-01")


async def test_a_stranger_joining_in_spanish_is_spoken_to_in_spanish(sms: SmsApi) -> None:
    pool = await sms.pool_code()
    phone = "+14155550183"  # a US number: the word, not the country, says Spanish
    reply = await sms.text(phone, f"UNIRSE {pool['code']}")
    assert reply is not None and "Riders Co-op" in reply and "Mutua" in reply
    assert not reply.startswith("Welcome")
    async with sms.db() as session:
        worker = await worker_by_phone(session, phone)
    assert worker is not None and worker.language == "es"


async def test_a_bad_code_makes_no_worker(sms: SmsApi) -> None:
    phone = "+14155550184"
    assert "No pool has the code" in (await sms.text(phone, "JOIN ZZZZZZZZ") or "")
    async with sms.db() as session:
        assert await worker_by_phone(session, phone) is None


async def test_stop_comes_first_and_start_brings_texts_back(sms: SmsApi) -> None:
    pool = await sms.pool_code()
    phone = "+14155550185"
    await sms.text(phone, f"JOIN {pool['code']}")
    await sms.text(phone, "INCOME 300 lyft")  # an exchange under way
    assert (await sms.text(phone, "STOP")) == (
        "You will get no more texts from Mutua. Text START to turn them on."
    )
    assert await sms.text(phone, "BALANCE") is None
    assert await sms.text(phone, "1") is None
    refused = await sms.client.post("/v1/auth/otp", json={"phone": phone})
    assert refused.status_code == 409 and refused.json()["type"].endswith("/sms-opted-out")
    assert (await sms.text(phone, "yes") or "").startswith("Mutua texts are back on")
    assert (await sms.text(phone, "1") or "").startswith("Sorry")  # the exchange was dropped
    assert (await sms.text(phone, "BALANCE") or "").startswith("Savings")


@pytest.mark.parametrize(
    "word",
    [
        "STOP",
        "stopall",
        "Unsubscribe",
        "cancel",
        "END",
        "quit",
        "REVOKE",
        "optout",
        "alto",
        "退订",
        "SITISHA",
    ],
)
async def test_every_stop_word_stops_a_stranger_too(sms: SmsApi, word: str) -> None:
    phone = "+14155550186"
    assert await sms.text(phone, word) is not None
    assert await sms.text(phone, "JOIN ABC") is None
    refused = await sms.client.post("/v1/auth/otp", json={"phone": phone})
    assert refused.status_code == 409


async def test_a_retried_webhook_gets_the_same_reply_and_no_second_effect(sms: SmsApi) -> None:
    pool = await sms.pool_code()
    phone = "+14155550187"
    await sms.text(phone, f"JOIN {pool['code']}")
    await sms.text(phone, "INCOME 100 uber 1")
    first = await sms.text(phone, "YES", sid="SM" + "a" * 32)
    again = await sms.text(phone, "YES", sid="SM" + "a" * 32)
    assert first == again and first is not None and first.startswith("Saved")
    async with sms.db() as session:
        assert len(list(await session.scalars(select(IncomeRecord)))) == 1
        logged = list(
            await session.scalars(select(InboundMessage).where(InboundMessage.phone_e164 == phone))
        )
    assert len(logged) == 3


async def test_why_and_appeal_read_the_stored_decisions(sms: SmsApi) -> None:
    pool = await sms.pool_code()
    phone = "+14155550188"
    await sms.text(phone, f"JOIN {pool['code']}")
    older = await sms.add_decision(phone, "2026-10", factors=("seasonal_low", "reserve_low"))
    newer = await sms.add_decision(phone, "2026-11", factors=("income_drop", "short_history"))
    why = await sms.text(phone, "WHY")
    assert why == (
        f"Why (November 2026): 1) your income fell. 2) little income history yet. "
        f"Disagree? Text APPEAL {newer.reference}."
    )
    assert (await sms.text(phone, "why 2") or "").startswith(
        "Why (October 2026): 1) this month is usually slow"
    )
    assert (await sms.text(phone, "WHY 3") or "").startswith("There is no decision")
    assert (
        await sms.text(phone, "APPEAL") == "Tell us why you disagree: text APPEAL and your reason."
    )
    received = await sms.text(phone, f"APPEAL {older.reference} my October income was higher")
    assert (
        received
        == f"We got your appeal {older.reference}. A co-op member will reply within 14 days."
    )
    again = await sms.text(phone, f"appeal {older.reference.lower()} and again")
    assert again == received
    async with sms.db() as session:
        appeals = list(await session.scalars(select(Appeal)))
    assert [(a.decision_id, a.text, a.channel, a.status) for a in appeals] == [
        (older.id, "my October income was higher", "sms", "open")
    ]
    queue = await sms.client.get(f"/v1/admin/pools/{pool['id']}/appeals", headers=pool["admin"])
    assert queue.status_code == 200, queue.text
    assert [item["reference"] for item in queue.json()["items"]] == [older.reference]


async def test_lang_by_code_name_or_number(sms: SmsApi) -> None:
    pool = await sms.pool_code()
    phone = "+14155550189"
    await sms.text(phone, f"JOIN {pool['code']}")
    assert "español" in (await sms.text(phone, "LANG es") or "")
    assert "kiswahili" in (await sms.text(phone, "IDIOMA kiswahili") or "").lower()
    assert "English" in (await sms.text(phone, "LUGHA 1") or "")
    await sms.deliver()
    assert sms.sms.messages_to(phone) == []  # the replies were the confirmations


async def test_inbound_texts_are_limited_per_phone(database_url: str) -> None:
    from litestar.testing import AsyncTestClient

    from api.app import create_app
    from core.db import create_engine, session_factory
    from notifications.providers import MemorySmsProvider
    from tests.channels.conftest import twilio_settings

    provider = MemorySmsProvider()
    app = create_app(
        twilio_settings(database_url, sms_inbound_per_hour=3),
        sms_provider=provider,
        run_outbox_worker=False,
    )
    engine = create_engine(database_url)
    async with AsyncTestClient(app=app) as client:
        limited = SmsApi(client=client, sms=provider, db=session_factory(engine))
        phone = "+14155550190"
        replies = [await limited.text(phone, "HELP") for _ in range(5)]
        stop = await limited.text(phone, "STOP")
    await engine.dispose()
    assert all(reply and reply.startswith("Mutua:") for reply in replies[:3])
    assert replies[3] == "You have sent many texts. Please wait an hour, then try again."
    assert replies[4] is None
    assert stop is not None and stop.startswith("You will get no more texts")


async def test_an_appeal_after_the_window_is_refused_in_words(sms: SmsApi) -> None:
    pool = await sms.pool_code()
    phone = "+14155550197"
    await sms.text(phone, f"JOIN {pool['code']}")
    old = await sms.add_decision(phone, "2026-08", days_ago=61)
    assert await sms.text(phone, f"APPEAL {old.reference} too late?") == (
        "The time to appeal this decision is over"
    )
    async with sms.db() as session:
        assert list(await session.scalars(select(Appeal))) == []
