"""Health and readiness, as a load balancer sees them."""

from __future__ import annotations

import logging
import re

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from api.app import create_app
from core.settings import Settings
from notifications.providers import MemorySmsProvider
from tests.api.conftest import SECRET, Api, assert_problem


async def test_health_and_ready_on_a_live_database(api: Api) -> None:
    assert (await api.client.get("/health")).json() == {"status": "ok"}
    assert (await api.client.get("/ready")).json() == {"status": "ready"}


async def test_ready_says_503_in_the_callers_language_when_the_database_is_gone() -> None:
    settings = Settings(
        database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere",
        secret_key=SECRET,
        sms_provider="memory",
    )
    app = create_app(settings, sms_provider=MemorySmsProvider(), run_outbox_worker=False)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/health")).status_code == 200
        response = await client.get("/ready", headers={"Accept-Language": "fr"})
    assert response.status_code == 503
    assert response.json()["type"] == "https://mutua.coop/problems/not-ready"
    assert response.headers["content-language"] == "fr"


async def test_every_answer_says_nosniff_and_personal_ones_are_not_stored(api: Api) -> None:
    headers = await api.worker_headers("+14155550177")
    answers = [
        await api.client.get("/v1/me", headers=headers),
        await api.client.get("/v1/me"),  # a 401 problem
        await api.client.get("/v1/nothing/here"),  # Litestar's own 404
        await api.client.post("/v1/auth/otp", json={"phone": "12"}),
        await api.client.get("/health"),
    ]
    key = {**headers, "Idempotency-Key": "once"}
    income = {"platform": "uber", "month": "2026-09", "amount_minor": 100, "currency": "USD"}
    answers.append(await api.client.post("/v1/me/income", json=income, headers=key))
    answers.append(await api.client.post("/v1/me/income", json=income, headers=key))
    assert answers[-1].headers.get("idempotent-replayed") == "true"
    for response in answers:
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert response.headers["cache-control"] == "no-store", response.url

    document = await api.client.get("/schema/openapi.json")
    assert document.status_code == 200
    assert document.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in document.headers.get("cache-control", "")


async def test_the_api_explorer_loads_only_pinned_files(api: Api) -> None:
    page = await api.client.get("/schema")
    assert page.status_code == 200, page.text
    tags = re.findall(r"<(?:script|link)\b[^>]*>", page.text)
    external = [tag for tag in tags if re.search(r"""(?:src|href)=["']https?://""", tag)]
    assert len(external) == 3, tags  # the script, its preset and the stylesheet
    for tag in external:
        assert re.search(r'integrity="sha384-[A-Za-z0-9+/]{64}"', tag), tag
        assert 'crossorigin="anonymous"' in tag, tag
        assert "@5.18.2/" in tag, tag
    assert "rel='icon'" not in page.text and 'rel="icon"' not in page.text


async def test_a_server_error_is_logged_without_the_callers_data(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    phone = "+14155550178"
    async with api.db() as session:
        await session.execute(text("ALTER TABLE sign_in_codes RENAME TO sign_in_codes_away"))
        await session.commit()
    try:
        with caplog.at_level(logging.ERROR, logger="mutua.api"):
            response = await api.client.post("/v1/auth/otp", json={"phone": phone})
    finally:
        async with api.db() as session:
            await session.execute(text("ALTER TABLE sign_in_codes_away RENAME TO sign_in_codes"))
            await session.commit()
    assert response.status_code == 500
    instance = response.json()["instance"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert instance.removeprefix("urn:mutua:error:") in logged
    assert "sign_in_codes" in logged  # where it failed is there...
    national = phone.removeprefix("+1")
    assert national not in logged and "5550178" not in logged  # ...whose number it was is not


async def test_a_path_says_which_methods_it_takes(api: Api) -> None:
    refused = await api.client.delete("/v1/me")
    assert refused.status_code == 405
    assert set(refused.headers["allow"].split(", ")) == {"GET", "PATCH", "OPTIONS"}
    for path, methods in (("/v1/me", {"GET", "PATCH"}), ("/v1/me/income", {"GET", "POST"})):
        answer = await api.client.options(path)
        assert answer.status_code == 204
        assert set(answer.headers["allow"].split(", ")) == methods | {"OPTIONS"}, path


async def test_a_documentation_page_that_does_not_exist_is_a_problem(api: Api) -> None:
    for path in ("/schema/redoc", "/schema/rapidoc", "/schema/nothing.json"):
        response = await api.client.get(path, headers={"Accept-Language": "es"})
        body = assert_problem(response, 404, "not-found")
        assert "/schema/openapi.json" in body["detail"]
        assert response.headers["content-language"] == "es"
    assert (await api.client.get("/schema/openapi.json")).status_code == 200
    assert (await api.client.get("/schema")).status_code == 200
