"""The only door to Plaid: `plaid-python`, called off the event loop, errors made ours.

`plaid-python` is synchronous (urllib3), so every call runs in a thread; it checks each
response against Plaid's schema, which also keeps the local fake honest. A Plaid error
becomes `PlaidFailure` with Plaid's `error_type`, `error_code` and `display_message`, and
never the access token, which Plaid does not echo and we never add.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import plaid
from plaid.api import plaid_api
from plaid.model.country_code import CountryCode
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.item_remove_request import ItemRemoveRequest
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.products import Products
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest

from core.plaid_settings import PlaidSettings

T = TypeVar("T")

LINK_LANGUAGES = {
    "en",
    "es",
    "fr",
    "pt",
    "de",
    "nl",
    "it",
    "da",
    "et",
    "lt",
    "lv",
    "no",
    "pl",
    "ro",
    "sv",
}
"""Languages Plaid Link is shown in; others fall back to English."""
SYNC_PAGE = 500


class PlaidFailure(Exception):
    """Plaid refused a request; `code` is Plaid's `error_code`."""

    def __init__(
        self, status: int, error_type: str, code: str, display_message: str | None
    ) -> None:
        super().__init__(f"Plaid {error_type}/{code} (HTTP {status})")
        self.status = status
        self.error_type = error_type
        self.code = code
        self.display_message = display_message

    @property
    def login_required(self) -> bool:
        return self.code in {"ITEM_LOGIN_REQUIRED", "PENDING_EXPIRATION", "ACCESS_NOT_GRANTED"}


class PlaidUnreachable(Exception):
    """No answer from Plaid (network, timeout, 5xx without a body): try again later."""


@dataclass(frozen=True)
class SyncPage:
    added: list[dict[str, Any]]
    modified: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


class PlaidGateway:
    def __init__(self, settings: PlaidSettings, *, page_size: int = SYNC_PAGE) -> None:
        if not settings.enabled:
            raise ValueError("Plaid is not configured (MUTUA_PLAID_CLIENT_ID, MUTUA_PLAID_SECRET)")
        configuration = plaid.Configuration(
            host=settings.host,
            api_key={"clientId": settings.client_id, "secret": settings.secret},
        )
        self._api = plaid_api.PlaidApi(plaid.ApiClient(configuration))
        self.webhook_url = settings.webhook_url or None
        self.page_size = page_size

    async def _call(self, method: Callable[..., Any], request: Any) -> dict[str, Any]:
        def call() -> dict[str, Any]:
            try:
                return dict(method(request).to_dict())
            except plaid.ApiException as exc:
                raise _failure(exc) from None
            except Exception as exc:  # urllib3's connection errors, timeouts
                if isinstance(exc, PlaidFailure):
                    raise
                raise PlaidUnreachable(f"Plaid did not answer: {type(exc).__name__}") from None

        return await asyncio.to_thread(call)

    async def link_token(
        self, worker_ref: str, language: str, access_token: str | None = None
    ) -> dict[str, Any]:
        """A Link token for a new link, or (with `access_token`) for update mode: the worker
        signs in to their bank again after `ITEM_LOGIN_REQUIRED`."""
        fields: dict[str, Any] = {
            "client_name": "Mutua",
            "language": language if language in LINK_LANGUAGES else "en",
            "country_codes": [CountryCode("US")],
            "user": LinkTokenCreateRequestUser(client_user_id=worker_ref),
        }
        if access_token:
            fields["access_token"] = access_token
        else:
            fields["products"] = [Products("transactions")]
        if self.webhook_url:
            fields["webhook"] = self.webhook_url
        return await self._call(self._api.link_token_create, LinkTokenCreateRequest(**fields))

    async def exchange(self, public_token: str) -> tuple[str, str]:
        """(access token, item id) for the public token Link gave the worker's browser."""
        answer = await self._call(
            self._api.item_public_token_exchange,
            ItemPublicTokenExchangeRequest(public_token=public_token),
        )
        return str(answer["access_token"]), str(answer["item_id"])

    async def item(self, access_token: str) -> dict[str, Any]:
        answer = await self._call(self._api.item_get, ItemGetRequest(access_token=access_token))
        return dict(answer["item"])

    async def remove(self, access_token: str) -> None:
        await self._call(self._api.item_remove, ItemRemoveRequest(access_token=access_token))

    async def sync_page(self, access_token: str, cursor: str | None) -> SyncPage:
        fields: dict[str, Any] = {"access_token": access_token, "count": self.page_size}
        if cursor:
            fields["cursor"] = cursor
        answer = await self._call(self._api.transactions_sync, TransactionsSyncRequest(**fields))
        return SyncPage(
            added=[_plain(t) for t in answer["added"]],
            modified=[_plain(t) for t in answer["modified"]],
            removed=[_plain(t) for t in answer["removed"]],
            accounts=[_plain(a) for a in answer["accounts"]],
            next_cursor=str(answer["next_cursor"]),
            has_more=bool(answer["has_more"]),
        )

    async def verification_key(self, key_id: str) -> dict[str, Any]:
        answer = await self._call(
            self._api.webhook_verification_key_get, WebhookVerificationKeyGetRequest(key_id=key_id)
        )
        key: dict[str, Any] = _plain(answer["key"])
        return key


def _plain(value: Any) -> Any:
    """plaid-python's dicts hold dates and enum-like strings; make them JSON-ish."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def _failure(exc: plaid.ApiException) -> Exception:
    try:
        body = json.loads(exc.body or "{}")
    except (TypeError, ValueError):
        body = {}
    if not isinstance(body, dict) or "error_code" not in body:
        return PlaidUnreachable(f"Plaid answered HTTP {exc.status} without an error object")
    if int(exc.status or 0) >= 500 or body.get("error_type") in {
        "API_ERROR",
        "RATE_LIMIT_EXCEEDED",
    }:
        return PlaidUnreachable(f"Plaid {body.get('error_type')}/{body.get('error_code')}")
    return PlaidFailure(
        int(exc.status or 0),
        str(body.get("error_type")),
        str(body.get("error_code")),
        body.get("display_message"),
    )
