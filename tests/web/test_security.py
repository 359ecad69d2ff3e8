"""What the pages promise a browser: strict headers, cookies it cannot read from script,
and forms nobody else's page can submit."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from core.db import create_engine
from core.settings import Settings
from notifications.providers import MemorySmsProvider
from tests.api.conftest import SECRET
from tests.web.conftest import Site
from tests.web.test_page_access import ROUTES

FORMS = sorted(path for method, path in ROUTES if method == "POST")


async def test_pages_carry_strict_security_headers(site: Site) -> None:
    response = await site.client.get("/signin")
    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in policy
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in response.text and " style=" not in response.text
    api = await site.client.get("/health")
    assert "content-security-policy" not in api.headers, "the JSON API keeps its own headers"


async def test_the_session_cookie_is_httponly_and_lax(site: Site) -> None:
    response = await site.submit("/signin", "/signin", {"phone": "+14155550166"})
    assert response.status_code == 303
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    session = next(c for c in cookies if c.startswith("mutua_session="))
    flags = {part.strip().lower() for part in session.split(";")}
    assert "httponly" in flags and "samesite=lax" in flags
    assert "secure" not in flags, "plain HTTP in development: a Secure cookie would be lost"
    api = await site.client.get("/v1/me")
    assert "set-cookie" not in api.headers, "the JSON API sets no cookies"


@pytest.fixture
async def https_site(database_url: str) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    settings = Settings(
        database_url=database_url, secret_key=SECRET, sms_provider="memory", https=True
    )
    app = create_app(settings, sms_provider=MemorySmsProvider(), run_outbox_worker=False)
    engine = create_engine(database_url)
    try:
        async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
            yield client
    finally:
        await engine.dispose()


async def test_behind_https_every_page_cookie_is_secure(https_site: AsyncTestClient) -> None:  # type: ignore[type-arg]
    response = await https_site.get("/signin")
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    assert cookies and all("secure" in c.lower().split("; ") for c in cookies), cookies


@pytest.mark.parametrize("path", FORMS)
async def test_a_form_without_its_csrf_token_is_refused(site: Site, path: str) -> None:
    await site.page("/signin")  # the CSRF cookie is set, but the form does not send it back
    url = re.sub(r"\{\w+:uuid\}", "00000000-0000-0000-0000-000000000000", path)
    missing = await site.client.post(url, data={"phone": "+14155550166"})
    assert missing.status_code == 403, (path, missing.status_code)
    forged = await site.client.post(url, data={"phone": "+14155550166", "_csrf_token": "x" * 64})
    assert forged.status_code == 403, (path, forged.status_code)
    assert not site.sms.sent, "nothing was done"


async def test_the_json_api_needs_no_csrf_token(site: Site) -> None:
    response = await site.client.post("/v1/auth/otp", json={"phone": "+14155550166"})
    assert response.status_code == 202
