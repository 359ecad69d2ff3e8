"""Health and readiness, as a load balancer sees them."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

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


async def test_a_documentation_page_that_does_not_exist_is_a_problem(api: Api) -> None:
    for path in ("/schema/redoc", "/schema/rapidoc", "/schema/nothing.json"):
        response = await api.client.get(path, headers={"Accept-Language": "es"})
        body = assert_problem(response, 404, "not-found")
        assert "/schema/openapi.json" in body["detail"]
        assert response.headers["content-language"] == "es"
    assert (await api.client.get("/schema/openapi.json")).status_code == 200
    assert (await api.client.get("/schema")).status_code == 200
