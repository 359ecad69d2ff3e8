"""Plaid-Verification checked as Plaid documents it; a bad webhook is refused and does nothing."""

from __future__ import annotations

import json
import time

import httpx
from sqlalchemy import select

from banks.models import BankItem, PlaidWebhookReceipt
from fakes.plaid.signing import SigningKey
from tests.api.conftest import Serve
from tests.banks.conftest import RunningFake, bank_api


async def _post(bank, body: bytes, token: str | None) -> httpx.Response:  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Plaid-Verification"] = token
    async with bank.live.client() as client:
        return await client.post("/v1/webhooks/plaid", content=body, headers=headers)


async def test_only_a_rightly_signed_fresh_webhook_queues_a_sync_and_only_once(
    serve: Serve, fake_plaid: RunningFake
) -> None:
    async with bank_api(serve, fake_plaid) as bank:
        await bank.link(seed=21)
        async with bank.live.db() as session:
            item = (await session.scalars(select(BankItem))).one()
        body = json.dumps({
            "webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE",
            "item_id": item.plaid_item_id, "initial_update_complete": True,
            "historical_update_complete": True, "environment": "sandbox",
        }).encode()  # fmt: skip
        key = fake_plaid.fake.key
        stranger = SigningKey(kid=key.kid)  # Plaid's key id, someone else's private key
        hs256 = key.sign(body, alg="HS256")
        refused = {
            "no header": None,
            "not a JWT": "garbage",
            "other key": stranger.sign(body),
            "old iat": key.sign(body, iat=int(time.time()) - 301),
            "future iat": key.sign(body, iat=int(time.time()) + 600),
            "HS256": hs256,
            "none": hs256.split(".")[0].replace(
                hs256.split(".")[0], _b64({"alg": "none", "kid": key.kid})
            )
            + "."
            + hs256.split(".")[1]
            + ".",
            "other body": key.sign(body + b" "),
            "unknown kid": SigningKey().sign(body),
        }
        for reason, token in refused.items():
            response = await _post(bank, body, token)
            assert response.status_code == 401, (reason, response.text)
            assert response.json()["type"].endswith("/webhook-signature-invalid"), reason
        async with bank.live.db() as session:
            assert (await session.scalars(select(PlaidWebhookReceipt))).all() == []
            assert (await session.get(BankItem, item.id)).sync_requested_at is None  # type: ignore[union-attr]
        good = key.sign(body)
        first = await _post(bank, body, good)
        assert first.status_code == 200 and first.json()["status"] == "queued"
        replay = await _post(bank, body, good)
        assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
        async with bank.live.db() as session:
            assert len((await session.scalars(select(PlaidWebhookReceipt))).all()) == 1


async def test_a_rotated_key_is_fetched_by_its_kid_and_an_expired_one_verifies_nothing(
    serve: Serve, fake_plaid: RunningFake
) -> None:
    async with bank_api(serve, fake_plaid) as bank:
        await bank.link(seed=22)
        async with bank.live.db() as session:
            item = (await session.scalars(select(BankItem))).one()
        body = json.dumps({"webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE",
                           "item_id": item.plaid_item_id}).encode()  # fmt: skip
        old = fake_plaid.fake.key
        fake_plaid.fake.rotate_key()
        try:
            fresh = await _post(bank, body, fake_plaid.fake.key.sign(body))
            assert fresh.status_code == 200
            stale = await _post(bank, body, old.sign(body))
            assert stale.status_code == 401
        finally:
            fake_plaid.fake.key = old
            old.expired_at = None


def _b64(header: dict[str, str]) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")
