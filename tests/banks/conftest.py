"""A fake Plaid on a real port, and Mutua served beside it with the bank link pointed at it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import plaid
import pytest
import uvicorn
from plaid.api import plaid_api
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.sandbox_public_token_create_request_options import (
    SandboxPublicTokenCreateRequestOptions,
)

from core.plaid_settings import PlaidSettings
from fakes.plaid import FakePlaid, create_fake_plaid_app
from fakes.plaid.state import FakeItem
from tests.api.conftest import LiveApi, Serve, free_port
from tests.api.conftest import serve as serve  # the fixture, for tests here

CLIENT_ID = "mutua-test-client"
SECRET = "mutua-test-secret"


@dataclass
class RunningFake:
    fake: FakePlaid
    url: str

    def client(self) -> plaid_api.PlaidApi:
        """plaid-python pointed at the fake, as a browser's Link would be (for test set-up)."""
        configuration = plaid.Configuration(
            host=self.url, api_key={"clientId": CLIENT_ID, "secret": SECRET}
        )
        return plaid_api.PlaidApi(plaid.ApiClient(configuration))

    def public_token(
        self, webhook: str | None = None, seed: int = 1, institution: str = "ins_109508"
    ) -> str:
        """What Link gives the browser when a worker finishes linking (sandbox shortcut)."""
        options = {"override_username": f"user_seed_{seed}"}
        if webhook:
            options["webhook"] = webhook
        request = SandboxPublicTokenCreateRequest(
            institution_id=institution,
            initial_products=[Products("transactions")],
            options=SandboxPublicTokenCreateRequestOptions(**options),
        )
        return str(self.client().sandbox_public_token_create(request).public_token)

    def item(self, plaid_item_id: str) -> FakeItem:
        return self.fake.state.items[plaid_item_id]

    def settings(self, webhook_url: str = "") -> PlaidSettings:
        return PlaidSettings(
            client_id=CLIENT_ID, secret=SECRET, url=self.url, webhook_url=webhook_url
        )


@pytest.fixture(scope="session")
def fake_plaid() -> Iterator[RunningFake]:
    fake = FakePlaid(CLIENT_ID, SECRET)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_fake_plaid_app(fake), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.post(f"{url}/item/get", json={}, timeout=1)
            break
        except httpx.TransportError:
            threading.Event().wait(0.02)
    yield RunningFake(fake, url)
    server.should_exit = True
    thread.join(10)


@dataclass
class BankApi:
    live: LiveApi
    plaid: RunningFake
    headers: dict[str, str]
    webhook_url: str

    async def link(self, seed: int = 1, institution: str = "ins_109508") -> dict[str, Any]:
        token = await asyncio.to_thread(
            self.plaid.public_token, self.webhook_url, seed, institution
        )
        async with self.live.client() as client:
            response = await client.post(
                "/v1/me/plaid/items", json={"public_token": token}, headers=self.headers
            )
        assert response.status_code == 201, response.text
        item: dict[str, Any] = response.json()
        await self.wait_synced(item["id"])
        return item

    async def items(self) -> list[dict[str, Any]]:
        async with self.live.client() as client:
            response = await client.get("/v1/me/plaid/items", headers=self.headers)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()
        return items

    async def wait_synced(self, item_id: str, after: str | None = None) -> dict[str, Any]:
        """The sync runs after the answer: wait for it to land (or the item to fail)."""
        for _ in range(500):
            found = {i["id"]: i for i in await self.items()}.get(item_id)
            if found and (
                found["status"] != "active" or (found["last_synced_at"] or "") > (after or "")
            ):
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"bank item {item_id} never synced")

    async def deposits(self, classification: str | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = None
        async with self.live.client() as client:
            while True:
                params: dict[str, Any] = {"limit": 200}
                if classification:
                    params["classification"] = classification
                if cursor:
                    params["cursor"] = cursor
                response = await client.get(
                    "/v1/me/plaid/deposits", params=params, headers=self.headers
                )
                assert response.status_code == 200, response.text
                page = response.json()
                found += page["items"]
                cursor = page["next_cursor"]
                if not cursor:
                    return found


@asynccontextmanager
async def bank_api(
    serve: Serve, fake: RunningFake, phone: str = "+14155550123", **overrides: Any
) -> AsyncIterator[BankApi]:
    async with serve(plaid=fake.settings(), **overrides) as live:
        headers = await live.worker_headers(phone)
        yield BankApi(live, fake, headers, live.base_url + "/v1/webhooks/plaid")
