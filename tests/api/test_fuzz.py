"""The OpenAPI document, fuzzed and held to: whatever a client sends within (or around) the
documented shapes, the API answers with a documented status, content type and body, never
a server error. Every schemathesis check runs (`call_and_validate` with no selection), and
any failure fails the test.

One expectation is stated rather than left at schemathesis' default: which routes may
answer 422 to a request the schema allows. A JSON Schema can say "a string of at most 32
characters" but not "a number in a real numbering plan", "an IANA time zone", "a month
that is not in the future", "a cursor this list gave out" or "a CSV whose every line is
valid"; those routes refuse such values with a problem type of their own (documented on
the route). The routes whose every refusal the schema does state keep the default.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from api.tokens import Principal, issue_token
from core.db import create_engine, session_factory
from core.plaid_settings import PlaidSettings
from core.settings import Settings
from fakes.plaid import FakePlaid, create_fake_plaid_app
from notifications.providers import MemorySmsProvider
from pools.admins import create_admin
from pools.models import Worker
from pools.service import create_pool
from tests.databases import migrate

SECRET = "fuzz-secret-key-long-enough-for-hmac-signing"

ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
"""Schemathesis' default answers to schema-valid data, less 5xx: a 500 is never fine."""
SCHEMA_ONLY = [
    ("GET", "/health"),
    ("GET", "/ready"),
    ("POST", "/v1/auth/admin/login"),
    ("GET", "/v1/me"),
    ("GET", "/v1/pools/{pool_id}"),
]
"""Routes that refuse nothing the schema allows: no 422 for valid data. (An idempotent POST
may always answer 422 `idempotency-key-reused`, to a key sent again with another body.)"""

config = SchemathesisConfig.from_dict(
    {
        "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        "operations": [
            {
                "include-name": f"{method} {path}",
                "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
            }
            for method, path in SCHEMA_ONLY
        ],
    }
)
schema = schemathesis.openapi.from_dict(
    create_app(Settings(secret_key=SECRET, sms_provider="memory")).openapi_schema.to_schema(),
    config=config,
)


async def _seed(url: str) -> dict[str, str]:
    """An administrator with a pool and a worker who belongs to it, as tokens."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            admin = await create_admin(session, "fuzz@coop.org", "fuzz password long")
            await create_pool(session, admin.id, name="Fuzz", currency="USD")
            worker = Worker(phone_e164="+14155550999", timezone="UTC", sms_opted_out=False)
            session.add(worker)
            await session.commit()
            ttl = 3600
            return {
                "admin": issue_token(SECRET, Principal("admin", admin.id, admin.role), ttl),
                "worker": issue_token(SECRET, Principal("worker", worker.id), ttl),
            }
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    path = Path(tmp_path_factory.mktemp("fuzz")) / "fuzz.db"
    url = f"sqlite+aiosqlite:///{path}"
    migrate(url)
    tokens = asyncio.run(_seed(url))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    plaid = FakePlaid("fuzz-client", "fuzz-secret")
    plaid_port = _free_port()
    plaid_server = uvicorn.Server(
        uvicorn.Config(create_fake_plaid_app(plaid), host="127.0.0.1", port=plaid_port,
                       log_level="warning")
    )  # fmt: skip
    threading.Thread(target=plaid_server.run, daemon=True).start()
    settings = Settings(
        database_url=url, secret_key=SECRET, sms_provider="memory",
        plaid=PlaidSettings("fuzz-client", "fuzz-secret", url=f"http://127.0.0.1:{plaid_port}"),
    )  # fmt: skip
    app = create_app(settings, sms_provider=MemorySmsProvider())
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    yield base, tokens
    uv.should_exit = True
    plaid_server.should_exit = True
    thread.join(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_errors(case: schemathesis.Case, server: tuple[str, dict[str, str]]) -> None:
    base, tokens = server
    admin_route = case.path.startswith("/v1/admin") or (
        case.method == "POST" and case.path == "/v1/pools/"
    )
    token = tokens["admin" if admin_route else "worker"]
    response = case.call_and_validate(base_url=base, headers={"Authorization": f"Bearer {token}"})
    if response.status_code >= 400:
        content_type = response.headers.get("content-type") or [""]
        assert content_type[0].startswith("application/problem+json"), response.text
        assert response.json()["type"].startswith("https://mutua.coop/problems/")
