"""The app with Twilio configured, and phones that text it through signed webhooks.

Webhooks are signed with the official `twilio` package's `RequestValidator`, so the tests
prove that what Twilio signs is what Mutua accepts.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from api.app import create_app
from core.clock import utcnow
from core.db import create_engine, session_factory
from core.settings import Settings
from notifications.providers import MemorySmsProvider
from pools.repository import worker_by_phone
from runs.models import Decision
from tests.api.conftest import SECRET, Api

TWILIO_TOKEN = "twilio-auth-token-for-the-tests-0123456789"
TWILIO_ACCOUNT = "AC" + "1" * 32
PUBLIC_URL = "https://mutua.example.org"
INBOUND_URL = PUBLIC_URL + "/v1/sms/twilio"
STATUS_URL = PUBLIC_URL + "/v1/sms/twilio/status"
_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def twilio_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": SECRET,
        "sms_provider": "memory",
        "public_url": PUBLIC_URL,
        "twilio_account_sid": TWILIO_ACCOUNT,
        "twilio_auth_token": TWILIO_TOKEN,
        "twilio_from": "+14155550000",
        "support_contact": "+1 800 555 0100",
        **overrides,
    }
    return Settings(**values)


def signed(url: str, params: dict[str, str], token: str = TWILIO_TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def message_of(twiml: str) -> str | None:
    assert twiml.startswith('<?xml version="1.0" encoding="UTF-8"?><Response'), twiml
    found = re.search(r"<Message>(.*)</Message>", twiml, re.S)
    return unescape(found.group(1)) if found else None


@dataclass
class SmsApi(Api):
    async def webhook(self, phone: str, body: str, sid: str | None = None) -> Any:
        params = {
            "MessageSid": sid or new_sid(),
            "AccountSid": TWILIO_ACCOUNT,
            "From": phone,
            "To": "+14155550000",
            "Body": body,
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        return await self.client.post(
            "/v1/sms/twilio", data=params, headers=signed(INBOUND_URL, params)
        )

    async def text(self, phone: str, body: str, sid: str | None = None) -> str | None:
        """What Mutua texts back, or None for an empty TwiML response."""
        response = await self.webhook(phone, body, sid)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        return message_of(response.text)

    async def pool_code(self, **body: Any) -> dict[str, Any]:
        admin = await self.admin_headers(f"admin-{uuid.uuid4().hex[:8]}@example.org")
        pool = await self.create_pool(admin, **body)
        pool["admin"] = admin
        return pool

    async def add_decision(
        self,
        phone: str,
        period: str,
        kind: str = "payout",
        factors: tuple[str, str] = ("income_drop", "short_history"),
        reference: str | None = None,
        days_ago: int = 0,
    ) -> Decision:
        from sqlalchemy import select

        from pools.models import Membership

        async with self.db() as session:
            worker = await worker_by_phone(session, phone)
            assert worker is not None
            member = await session.scalar(
                select(Membership).where(Membership.worker_id == worker.id)
            )
            assert member is not None
            decision = Decision(
                id=uuid.uuid4(),
                pool_id=member.pool_id,
                membership_id=member.id,
                worker_id=worker.id,
                period=period,
                kind=kind,
                reference=reference or f"D-{uuid.uuid4().hex[:8].upper()}",
                amount_minor=12_345,
                currency="USD",
                reason="eligible",
                explanation=list(factors),
                inputs={},
                factors={},
                model_id=None,
                transfer_ids=[],
                created_at=utcnow() - timedelta(days=days_ago),
            )
            session.add(decision)
            await session.commit()
            return decision


@pytest.fixture
async def sms(database_url: str) -> AsyncIterator[SmsApi]:
    provider = MemorySmsProvider()
    app: Litestar = create_app(
        twilio_settings(database_url), sms_provider=provider, run_outbox_worker=False
    )
    engine = create_engine(database_url)
    db: async_sessionmaker[AsyncSession] = session_factory(engine)
    try:
        async with AsyncTestClient(app=app) as client:
            yield SmsApi(client=client, sms=provider, db=db)
    finally:
        await engine.dispose()


AT_TOKEN = "at-callback-token-for-the-tests"


@pytest.fixture
async def at(database_url: str) -> AsyncIterator[SmsApi]:
    """The app with Africa's Talking's callback token set (USSD, inbound texts, reports)."""
    provider = MemorySmsProvider()
    settings = twilio_settings(database_url, africastalking_callback_token=AT_TOKEN)
    app = create_app(settings, sms_provider=provider, run_outbox_worker=False)
    engine = create_engine(database_url)
    async with AsyncTestClient(app=app) as client:
        yield SmsApi(client=client, sms=provider, db=session_factory(engine))
    await engine.dispose()
