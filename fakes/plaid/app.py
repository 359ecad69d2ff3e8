"""The fake Plaid's HTTP surface: Plaid's endpoints with Plaid's JSON, plus `/fake/` controls."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from litestar import Litestar, Request, Response, post
from litestar.params import FromPath

from fakes.plaid.bank_data import FakeTransaction
from fakes.plaid.signing import SigningKey
from fakes.plaid.state import (
    INSTITUTIONS,
    FakeItem,
    FakeState,
    PlaidProblem,
    decode_cursor,
    encode_cursor,
    transaction_json,
)

MAX_SYNC_COUNT = 500


def _request_id() -> str:
    return uuid.uuid4().hex[:15]


class FakePlaid:
    """The fake's state and behaviour, reachable from tests without HTTP for set-up only."""

    def __init__(
        self,
        client_id: str = "fake-client",
        secret: str = "fake-secret",
        *,
        end: date | None = None,
    ) -> None:
        self.state = FakeState(client_id, secret, end=end)
        self.key = SigningKey()
        self.old_keys: dict[str, SigningKey] = {}
        self.webhooks_sent: list[tuple[str, int]] = []

    # -- Plaid's endpoints ------------------------------------------------------------------
    def authenticate(self, request_headers: dict[str, str], body: dict[str, Any]) -> None:
        client_id = request_headers.get("plaid-client-id") or body.get("client_id")
        secret = request_headers.get("plaid-secret") or body.get("secret")
        if client_id != self.state.client_id or secret != self.state.secret:
            raise PlaidProblem(
                400, "INVALID_INPUT", "INVALID_API_KEYS", "invalid client_id or secret provided"
            )

    def link_token_create(self, body: dict[str, Any]) -> dict[str, Any]:
        user = body.get("user") or {}
        if not user.get("client_user_id"):
            raise PlaidProblem(
                400,
                "INVALID_REQUEST",
                "MISSING_FIELDS",
                "the following required fields are missing: user.client_user_id",
            )
        if body.get("access_token"):  # update mode: the item must exist
            self.state.item_for(body["access_token"])
        token = f"link-sandbox-{uuid.uuid4()}"
        self.state.link_tokens[token] = body
        expiration = datetime.now(UTC) + timedelta(hours=4)
        return {
            "link_token": token,
            "expiration": expiration.isoformat().replace("+00:00", "Z"),
            "request_id": _request_id(),
        }

    def sandbox_public_token_create(self, body: dict[str, Any]) -> dict[str, Any]:
        options = body.get("options") or {}
        item = self.state.new_item(
            str(body.get("institution_id", "")),
            options.get("webhook"),
            options.get("override_username"),
        )
        token = f"public-sandbox-{uuid.uuid4()}"
        self.state.public_tokens[token] = item
        return {"public_token": token, "request_id": _request_id()}

    def item_public_token_exchange(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self.state.public_tokens.pop(str(body.get("public_token", "")), None)
        if item is None:
            raise PlaidProblem(
                400,
                "INVALID_INPUT",
                "INVALID_PUBLIC_TOKEN",
                "provided public token is expired or was already used",
            )
        self.state.items[item.item_id] = item
        self.state.by_token[item.access_token] = item
        return {
            "access_token": item.access_token,
            "item_id": item.item_id,
            "request_id": _request_id(),
        }

    def transactions_sync(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self.state.item_for(str(body.get("access_token", "")))
        self._check_login(item)
        count = int(body.get("count") or 100)
        if not 1 <= count <= MAX_SYNC_COUNT:
            raise PlaidProblem(
                400,
                "INVALID_REQUEST",
                "INVALID_FIELD",
                f"count must be between 1 and {MAX_SYNC_COUNT}",
            )
        position, snapshot = decode_cursor(body.get("cursor"))
        if snapshot is not None and position < snapshot and len(item.log) != snapshot:
            raise PlaidProblem(
                400,
                "TRANSACTIONS_ERROR",
                "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
                "Underlying transaction data changed since last page was fetched. "
                "Please restart pagination from last update.",
            )
        if snapshot is None or position >= snapshot:
            snapshot = len(item.log)  # a new update begins here
        page = item.log[position : min(position + count, snapshot)]
        end = position + len(page)
        has_more = end < snapshot
        added = [transaction_json(t) for kind, t in page if kind == "added" and not t.pending]
        added += [transaction_json(t) for kind, t in page if kind == "added" and t.pending]
        modified = [transaction_json(t) for kind, t in page if kind == "modified"]
        removed = [
            {"transaction_id": t.transaction_id, "account_id": t.account_id}
            for kind, t in page
            if kind == "removed"
        ]
        if has_more and item.mutate_after_page:
            item.mutate_after_page = False
            self.add_transactions(item, 1)
        return {
            "accounts": [self._account_json(item, a.account_id) for a in item.bank.accounts],
            "added": added,
            "modified": modified,
            "removed": removed,
            "next_cursor": encode_cursor(end, snapshot),
            "has_more": has_more,
            "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
            "request_id": _request_id(),
        }

    def item_get(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self.state.item_for(str(body.get("access_token", "")))
        error = None
        if item.login_required:
            error = PlaidProblem(
                400,
                "ITEM_ERROR",
                "ITEM_LOGIN_REQUIRED",
                "the login details of this item have changed",
            ).body
        return {
            "item": {
                "item_id": item.item_id,
                "institution_id": item.institution_id,
                "institution_name": INSTITUTIONS[item.institution_id],
                "webhook": item.webhook,
                "error": error,
                "available_products": ["balance"],
                "billed_products": ["transactions"],
                "products": ["transactions"],
                "consent_expiration_time": None,
                "update_type": "background",
            },
            "status": None,
            "request_id": _request_id(),
        }

    def item_remove(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self.state.item_for(str(body.get("access_token", "")))
        self.state.by_token.pop(item.access_token, None)
        self.state.items.pop(item.item_id, None)
        return {"request_id": _request_id()}

    def webhook_verification_key_get(self, body: dict[str, Any]) -> dict[str, Any]:
        kid = str(body.get("key_id", ""))
        key = self.key if kid == self.key.kid else self.old_keys.get(kid)
        if key is None:
            raise PlaidProblem(
                400,
                "INVALID_INPUT",
                "INVALID_WEBHOOK_VERIFICATION_KEY_ID",
                "the key_id provided is not valid",
            )
        return {"key": key.jwk(), "request_id": _request_id()}

    def sandbox_item_reset_login(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self.state.item_for(str(body.get("access_token", "")))
        item.login_required = True
        return {"reset_login": True, "request_id": _request_id()}

    async def sandbox_item_fire_webhook(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self.state.item_for(str(body.get("access_token", "")))
        code = str(body.get("webhook_code", "SYNC_UPDATES_AVAILABLE"))
        await self.send_webhook(item, code)
        return {"webhook_fired": True, "request_id": _request_id()}

    # -- what tests and development drive -------------------------------------------------
    def add_transactions(
        self, item: FakeItem, n: int, day: date | None = None, platform: str = "uber"
    ) -> list[FakeTransaction]:
        from fakes.plaid.bank_data import DESCRIPTIONS

        day = day or date.today()
        made = []
        for k in range(n):
            name, merchant, counterparty = DESCRIPTIONS[platform][k % len(DESCRIPTIONS[platform])]
            txn = FakeTransaction(
                item.ids(),
                item.bank.accounts[0].account_id,
                -round(50 + 37.5 * k, 2),
                day,
                name,
                merchant,
                counterparty,
                "TRANSFER_IN_DEPOSIT",
                platform,
            )
            item.bank.transactions.append(txn)
            item.record("added", txn)
            made.append(txn)
        return made

    def modify(self, item: FakeItem, transaction_id: str, **changes: Any) -> FakeTransaction:
        old = next(t for t in item.bank.transactions if t.transaction_id == transaction_id)
        new = replace(old, **changes)
        item.bank.transactions[item.bank.transactions.index(old)] = new
        item.record("modified", new)
        return new

    def remove(self, item: FakeItem, transaction_id: str) -> None:
        old = next(t for t in item.bank.transactions if t.transaction_id == transaction_id)
        item.bank.transactions.remove(old)
        item.record("removed", old)

    def rotate_key(self) -> None:
        self.key.expired_at = int(time.time())
        self.old_keys[self.key.kid] = self.key
        self.key = SigningKey()

    async def send_webhook(self, item: FakeItem, code: str = "SYNC_UPDATES_AVAILABLE") -> int:
        if not item.webhook:
            raise PlaidProblem(400, "INVALID_INPUT", "INVALID_WEBHOOK", "the item has no webhook")
        if code == "SYNC_UPDATES_AVAILABLE":
            payload: dict[str, Any] = {
                "webhook_type": "TRANSACTIONS",
                "webhook_code": code,
                "item_id": item.item_id,
                "initial_update_complete": True,
                "historical_update_complete": True,
                "environment": "sandbox",
            }
        else:
            payload = {
                "webhook_type": "ITEM",
                "webhook_code": code,
                "item_id": item.item_id,
                "error": None,
                "environment": "sandbox",
            }
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "Plaid-Verification": self.key.sign(body)}
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(item.webhook, content=body, headers=headers)
        self.webhooks_sent.append((item.item_id, response.status_code))
        return response.status_code

    # -- helpers ------------------------------------------------------------------------------
    @staticmethod
    def _check_login(item: FakeItem) -> None:
        if item.login_required:
            raise PlaidProblem(
                400,
                "ITEM_ERROR",
                "ITEM_LOGIN_REQUIRED",
                "the login details of this item have changed (credentials, MFA, or required "
                "user action) and a user login is required to update this information",
                "To update your bank account information, please log in again.",
            )

    @staticmethod
    def _account_json(item: FakeItem, account_id: str) -> dict[str, Any]:
        account = next(a for a in item.bank.accounts if a.account_id == account_id)
        return {
            "account_id": account.account_id,
            "balances": {
                "available": 1200.0,
                "current": 1250.0,
                "limit": None,
                "iso_currency_code": "USD",
                "unofficial_currency_code": None,
            },
            "mask": account.mask,
            "name": account.name,
            "official_name": f"{account.name} Account",
            "type": "depository",
            "subtype": account.subtype,
            "holder_category": "personal",
        }


_ROUTES = {
    "/link/token/create": "link_token_create",
    "/sandbox/public_token/create": "sandbox_public_token_create",
    "/item/public_token/exchange": "item_public_token_exchange",
    "/transactions/sync": "transactions_sync",
    "/item/get": "item_get",
    "/item/remove": "item_remove",
    "/webhook_verification_key/get": "webhook_verification_key_get",
    "/sandbox/item/reset_login": "sandbox_item_reset_login",
    "/sandbox/item/fire_webhook": "sandbox_item_fire_webhook",
}


def create_fake_plaid_app(fake: FakePlaid | None = None) -> Litestar:
    """Plaid's endpoints on one catch-all POST route, answering as Plaid does, errors too."""
    fake = fake or FakePlaid()

    @post("/{path:path}", status_code=200)
    async def endpoint(
        request: Request[Any, Any, Any], path: FromPath[str]
    ) -> Response[dict[str, Any]]:
        try:
            raw = await request.body()
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("body must be an object")
        except ValueError:
            problem = PlaidProblem(
                400, "INVALID_REQUEST", "INVALID_BODY", "body could not be parsed as JSON"
            )
            return Response(problem.body | {"request_id": _request_id()}, status_code=400)
        name = _ROUTES.get(path)
        try:
            if name is None:
                raise PlaidProblem(
                    404,
                    "INVALID_REQUEST",
                    "UNKNOWN_ENDPOINT",
                    f"{path} is not an endpoint of this server",
                )
            fake.authenticate({k.lower(): v for k, v in request.headers.items()}, body)
            result = getattr(fake, name)(body)
            if hasattr(result, "__await__"):
                result = await result
            return Response(result, status_code=200)
        except PlaidProblem as problem:
            return Response(
                problem.body | {"request_id": _request_id()}, status_code=problem.status
            )

    app = Litestar([endpoint], openapi_config=None)
    app.state.fake = fake
    return app
