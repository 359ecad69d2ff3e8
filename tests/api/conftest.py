"""The real app over HTTP (in process), on a fresh migrated database per test."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
import uvicorn
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from core.db import create_engine, session_factory
from core.settings import Settings
from notifications.dispatcher import dispatch_pending
from notifications.providers import MemorySmsProvider
from pools.admins import create_admin

SECRET = "test-secret-key-that-is-long-enough-for-hmac"
ADMIN_PASSWORD = "correct horse battery staple"


@dataclass
class Api:
    """A client of the running app, with the helpers a user's journey needs."""

    client: AsyncTestClient[Litestar]
    sms: MemorySmsProvider
    db: async_sessionmaker[AsyncSession]
    """The test's own sessions on the app's database (the app runs on another event loop)."""

    async def deliver(self) -> None:
        """Send what the outbox holds, as the background worker would after commit."""
        await dispatch_pending(self.db, self.sms)

    async def last_code(self, phone: str) -> str:
        await self.deliver()
        sent = self.sms.last_to(phone)
        assert sent is not None, f"no SMS was sent to {phone}"
        match = re.search(r"\b(\d{6})\b", sent.body)
        assert match, f"no code in {sent.body!r}"
        return match.group(1)

    async def worker_headers(self, phone: str) -> dict[str, str]:
        response = await self.client.post("/v1/auth/otp", json={"phone": phone})
        assert response.status_code == 202, response.text
        code = await self.last_code(phone)
        response = await self.client.post(
            "/v1/auth/otp/verify", json={"phone": phone, "code": code}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    async def admin_headers(self, email: str, role: str = "admin") -> dict[str, str]:
        async with self.db() as session:
            await create_admin(session, email, ADMIN_PASSWORD, role)
            await session.commit()
        response = await self.client.post(
            "/v1/auth/admin/login", json={"email": email, "password": ADMIN_PASSWORD}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    async def create_pool(self, headers: dict[str, str], **body: Any) -> dict[str, Any]:
        payload = {"name": "Riders Co-op", "currency": "USD", **body}
        response = await self.client.post("/v1/pools", json=payload, headers=headers)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    sms = MemorySmsProvider()
    settings = Settings(database_url=database_url, secret_key=SECRET, sms_provider="memory")
    app = create_app(settings, sms_provider=sms, run_outbox_worker=False)
    engine = create_engine(database_url)
    try:
        async with AsyncTestClient(app=app) as client:
            yield Api(client=client, sms=sms, db=session_factory(engine))
    finally:
        await engine.dispose()


@dataclass
class LiveApi:
    """The app served by uvicorn on a local port: real sockets, real concurrency (the
    in-process test client runs one request at a time), real client addresses."""

    base_url: str
    sms: MemorySmsProvider
    db: async_sessionmaker[AsyncSession]

    def client(self, address: str | None = None) -> httpx.AsyncClient:
        """A client; with `address`, one that a trusted proxy says is at that address."""
        headers = {"X-Forwarded-For": address} if address else {}
        limits = httpx.Limits(max_connections=100)
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, limits=limits, timeout=60)

    async def deliver(self) -> None:
        await dispatch_pending(self.db, self.sms)

    async def worker_headers(self, phone: str) -> dict[str, str]:
        async with self.client() as client:
            response = await client.post("/v1/auth/otp", json={"phone": phone})
            assert response.status_code == 202, response.text
            await self.deliver()
            sent = self.sms.last_to(phone)
            assert sent is not None
            match = re.search(r"\b(\d{6})\b", sent.body)
            assert match, sent.body
            body = {"phone": phone, "code": match.group(1)}
            response = await client.post("/v1/auth/otp/verify", json=body)
            assert response.status_code == 200, response.text
            return {"Authorization": f"Bearer {response.json()['token']}"}

    async def admin_headers(self, email: str) -> dict[str, str]:
        async with self.db() as session:
            await create_admin(session, email, ADMIN_PASSWORD)
            await session.commit()
        async with self.client() as client:
            login = {"email": email, "password": ADMIN_PASSWORD}
            response = await client.post("/v1/auth/admin/login", json=login)
            assert response.status_code == 200, response.text
            return {"Authorization": f"Bearer {response.json()['token']}"}


Serve = Callable[..., AbstractAsyncContextManager[LiveApi]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def serve(database_url: str) -> Serve:
    """`async with serve(**settings) as live:` runs the app on this test's database, behind
    a trusted proxy at 127.0.0.1 (so tests name client addresses with X-Forwarded-For)."""

    @asynccontextmanager
    async def running(**overrides: Any) -> AsyncIterator[LiveApi]:
        sms = MemorySmsProvider()
        settings = Settings(
            database_url=database_url,
            secret_key=SECRET,
            sms_provider="memory",
            trusted_proxies=("127.0.0.1",),
        )
        app = create_app(replace(settings, **overrides), sms_provider=sms, run_outbox_worker=False)
        port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as probe:
            for _ in range(200):
                try:
                    if (await probe.get(f"{base_url}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.02)
        engine = create_engine(database_url)
        try:
            yield LiveApi(base_url=base_url, sms=sms, db=session_factory(engine))
        finally:
            await engine.dispose()
            server.should_exit = True
            await asyncio.to_thread(thread.join, 10)

    return running


async def gather_all(*requests: Awaitable[Response]) -> list[Response]:
    """Send requests at once and collect their answers."""
    return list(await asyncio.gather(*requests))


def documented_problems(app: Litestar, method: str, url: str) -> dict[int, set[str]] | None:
    """The problem types the OpenAPI document lists for the operation `url` reaches, by
    status; None when `url` reaches no documented operation (a path no route matches)."""
    path = url.split("?")[0].rstrip("/") or "/"
    for template, item in app.openapi_schema.to_schema()["paths"].items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template.rstrip("/") or "/"))
        operation = item.get(method.lower())
        if operation is not None and re.fullmatch(pattern, path):
            found: dict[int, set[str]] = {}
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/problem+json", {})
                found[int(status)] = set(content.get("examples", {}))
            return found
    return None


PROBLEM_TYPE_BASE = "https://mutua.coop/problems/"


def assert_problem(response: Response, status: int, slug: str) -> dict[str, Any]:
    """The problem-details body of an error response, once its status and `type` are checked."""
    assert response.status_code == status, f"expected {status} {slug}, got {response.text}"
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith("application/problem+json"), content_type
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM_TYPE_BASE + slug, body
    assert body["status"] == status, body
    return body


async def join_pool(api: Api, headers: dict[str, str], code: str) -> dict[str, Any]:
    """Join a pool with its code as the worker the headers sign in."""
    response = await api.client.post("/v1/pools/join", json={"code": code}, headers=headers)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result
