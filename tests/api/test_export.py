"""A worker downloads everything Mutua keeps about them, and nothing about anyone else."""

from __future__ import annotations

from tests.api.conftest import Api, join_pool
from tests.api.test_leaving import save

WORKER = "+14155550141"
OTHER = "+14155550142"


async def test_the_export_holds_the_workers_records_and_only_theirs(api: Api) -> None:
    admin = await api.admin_headers("coop@example.org")
    pool = await api.create_pool(admin, name="Bay Riders")
    worker = await api.worker_headers(WORKER)
    other = await api.worker_headers(OTHER)
    for headers in (worker, other):
        await join_pool(api, headers, pool["code"])
    entry = {"platform": "uber", "month": "2026-09", "amount_minor": 123_456, "currency": "USD"}
    assert (await api.client.post("/v1/me/income", json=entry, headers=worker)).status_code == 201
    await api.client.post("/v1/me/income", json={**entry, "amount_minor": 1}, headers=other)
    await save(api, pool["id"], WORKER, 6_000)
    await api.deliver()

    response = await api.client.get("/v1/me/export", headers=worker)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    data = response.json()
    assert data["worker"]["phone"] == WORKER
    assert data["worker"]["language"] is None  # never chosen, so not stored
    assert [m["pool_name"] for m in data["memberships"]] == ["Bay Riders"]
    assert [r["amount_minor"] for r in data["income"]] == [123_456]
    assert sorted(a["kind"] for a in data["ledger"]["accounts"]) == [
        "member_arrears",
        "member_contribution",
        "member_savings",
    ]
    assert [t["amount_minor"] for t in data["ledger"]["transfers"]] == [6_000]
    texts = {m["template"]: m for m in data["messages"]}
    assert set(texts) == {"auth.sign_in_code", "pool.welcome"}
    assert data["appeals"] == []
    assert texts["auth.sign_in_code"]["body"] == "[redacted]"
    assert "Bay Riders" in texts["pool.welcome"]["body"]
    assert OTHER not in response.text
