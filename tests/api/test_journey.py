"""A worker's and an administrator's whole journey through the HTTP API."""

from __future__ import annotations

from tests.api.conftest import Api

WORKER = "+14155550123"


async def test_worker_signs_in_joins_records_income_and_reads_ledger(api: Api) -> None:
    admin = await api.admin_headers("coop@example.org")
    pool = await api.create_pool(admin, name="Bay Riders")
    assert pool["rules"]["contribution_rate_bp"] > 0
    assert pool["code"]

    worker = await api.worker_headers(WORKER)
    me = (await api.client.get("/v1/me", headers=worker)).json()
    assert me["phone"] == WORKER

    joined = await api.client.post("/v1/pools/join", json={"code": pool["code"]}, headers=worker)
    assert joined.status_code == 201, joined.text
    again = await api.client.post("/v1/pools/join", json={"code": pool["code"]}, headers=worker)
    assert again.status_code == 200

    await api.deliver()
    assert "Bay Riders" in api.sms.last_to(WORKER).body  # type: ignore[union-attr]

    entry = {"platform": "uber", "month": "2026-09", "amount_minor": 123456, "currency": "USD"}
    response = await api.client.post("/v1/me/income", json=entry, headers=worker)
    assert response.status_code == 201, response.text

    statement = "date,platform,amount\n2026-10-03,DoorDash,45.10\n2026-10-04,lyft,120.00\n"
    response = await api.client.post(
        "/v1/me/income/csv",
        content=statement,
        headers={**worker, "Content-Type": "text/csv"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["added"] == 2

    history = await api.client.get(
        "/v1/me/income/months", params={"from": "2026-09", "to": "2026-10"}, headers=worker
    )
    assert history.status_code == 200, history.text
    months = {m["month"]: m for m in history.json()["items"]}
    assert months["2026-09"]["total_minor"] == 123456
    assert months["2026-10"]["total_minor"] == 4510 + 12000

    accounts = (await api.client.get("/v1/me/accounts", headers=worker)).json()["items"]
    kinds = sorted(account["kind"] for account in accounts)
    assert kinds == ["member_arrears", "member_contribution", "member_savings"]
    assert all(account["balance_minor"] == 0 for account in accounts)
    ledger = (await api.client.get("/v1/me/ledger", headers=worker)).json()
    assert ledger == {"items": [], "next_cursor": None}

    members = await api.client.get(f"/v1/admin/pools/{pool['id']}/members", headers=admin)
    assert members.status_code == 200
    assert [m["phone"] for m in members.json()["items"]] == [WORKER]


async def test_the_running_app_texts_the_code_right_after_commit(database_url: str) -> None:
    """With the background outbox worker on (as in production), a sign-in code leaves as soon
    as the request commits, with no poll interval to wait for."""
    import asyncio

    from litestar.testing import AsyncTestClient

    from api.app import create_app
    from core.settings import Settings
    from notifications.providers import MemorySmsProvider
    from tests.api.conftest import SECRET

    sms = MemorySmsProvider()
    settings = Settings(database_url=database_url, secret_key=SECRET, sms_provider="memory")
    app = create_app(settings, sms_provider=sms, run_outbox_worker=True)
    async with AsyncTestClient(app=app) as client:
        response = await client.post("/v1/auth/otp", json={"phone": "+525512345678"})
        assert response.status_code == 202
        for _ in range(100):
            if sms.last_to("+525512345678") is not None:
                break
            await asyncio.sleep(0.02)
    sent = sms.last_to("+525512345678")
    assert sent is not None, "the code was not sent within two seconds"
    assert sent.language == "es"  # a Mexican number with no chosen language reads Spanish


async def test_only_a_request_that_queued_a_text_wakes_the_outbox(database_url: str) -> None:
    """Waking the outbox costs a pass over it; a request that queued nothing does not pay.

    A text queued by another process (the monthly run) waits for the poll, so it shows
    whether a request woke the worker: an administrator's sign-in leaves it waiting, a
    worker's sign-in code takes it along."""
    import asyncio

    from litestar.testing import AsyncTestClient

    from api.app import create_app
    from core.db import create_engine, session_factory
    from core.settings import Settings
    from notifications.providers import MemorySmsProvider
    from pools.admins import create_admin
    from tests.api.conftest import ADMIN_PASSWORD, SECRET
    from tests.notifications.outbox_helpers import queue_messages

    sms = MemorySmsProvider()
    settings = Settings(
        database_url=database_url,
        secret_key=SECRET,
        sms_provider="memory",
        outbox_poll_seconds=3600,  # only a wake can send
    )
    engine = create_engine(database_url)
    app = create_app(settings, sms_provider=sms, run_outbox_worker=True)
    try:
        async with AsyncTestClient(app=app) as client:
            await asyncio.sleep(0.2)  # the start-up pass finds nothing
            async with session_factory(engine)() as session:
                await create_admin(session, "coop@example.org", ADMIN_PASSWORD)
                await session.commit()
            await queue_messages(session_factory(engine), to="+14155550100")
            login = {"email": "coop@example.org", "password": ADMIN_PASSWORD}
            signed_in = await client.post("/v1/auth/admin/login", json=login)
            assert signed_in.status_code == 200, signed_in.text
            await asyncio.sleep(0.5)
            assert sms.sent == [], "a request that queued nothing woke the outbox"
            code = await client.post("/v1/auth/otp", json={"phone": "+525512345678"})
            assert code.status_code == 202
            for _ in range(100):
                if len(sms.sent) == 2:
                    break
                await asyncio.sleep(0.02)
    finally:
        await engine.dispose()
    assert sorted(message.to for message in sms.sent) == ["+14155550100", "+525512345678"]
