"""A member leaves a pool: the membership ends, the savings stay theirs, and they are told."""

from __future__ import annotations

import uuid

from pools.ledger import TransferRequest, open_member_accounts, open_pool_accounts, post_transfer
from pools.repository import pool_by_id, worker_by_phone
from tests.api.conftest import Api, assert_problem, join_pool

WORKER = "+525512345601"  # a Mexican number: texts in Spanish
OTHER = "+14155550191"


async def save(api: Api, pool_id: str, phone: str, amount_minor: int) -> None:
    """Money the member set aside, as the monthly run posts it."""
    async with api.db() as session:
        pool = await pool_by_id(session, uuid.UUID(pool_id))
        worker = await worker_by_phone(session, phone)
        assert pool is not None and worker is not None
        world = (await open_pool_accounts(session, pool)).world
        savings = (await open_member_accounts(session, pool, worker.id)).savings
        await post_transfer(
            session,
            TransferRequest(
                id=uuid.uuid4(),
                debit_account_id=world.id,
                credit_account_id=savings.id,
                amount_minor=amount_minor,
                currency=pool.currency,
                reason="income_saved",
                period="2026-10",
            ),
        )
        await session.commit()


async def test_a_member_leaves_and_keeps_their_savings(api: Api) -> None:
    admin = await api.admin_headers("coop@example.org")
    pool = await api.create_pool(admin, name="Reparto CDMX", currency="MXN")
    worker = await api.worker_headers(WORKER)
    membership = await join_pool(api, worker, pool["code"])
    await save(api, pool["id"], WORKER, 150_000)

    left = await api.client.post(f"/v1/me/memberships/{membership['id']}/leave", headers=worker)
    assert left.status_code == 200, left.text
    assert left.json()["status"] == "left" and left.json()["left_on"]
    await api.deliver()
    farewell = api.sms.last_to(WORKER)
    assert farewell is not None and farewell.template == "pool.left"
    assert farewell.language == "es" and "Reparto CDMX" in farewell.body

    accounts = (await api.client.get("/v1/me/accounts", headers=worker)).json()["items"]
    savings = [a for a in accounts if a["kind"] == "member_savings"]
    assert [a["balance_minor"] for a in savings] == [150_000]
    [listed] = (await api.client.get("/v1/me/memberships", headers=worker)).json()["items"]
    assert listed["status"] == "left"
    members = await api.client.get(f"/v1/admin/pools/{pool['id']}/members", headers=admin)
    assert [m["status"] for m in members.json()["items"]] == ["left"]

    again = await api.client.post(f"/v1/me/memberships/{membership['id']}/leave", headers=worker)
    assert again.status_code == 200 and again.json() == left.json()
    await api.deliver()
    assert [m.template for m in api.sms.messages_to(WORKER)].count("pool.left") == 1

    back = await api.client.post("/v1/pools/join", json={"code": pool["code"]}, headers=worker)
    assert back.status_code == 201, back.text
    assert back.json()["status"] == "active" and back.json()["id"] == membership["id"]


async def test_only_the_member_can_leave(api: Api) -> None:
    admin = await api.admin_headers("coop@example.org")
    pool = await api.create_pool(admin)
    worker = await api.worker_headers(WORKER)
    membership = await join_pool(api, worker, pool["code"])
    stranger = await api.worker_headers(OTHER)
    path = f"/v1/me/memberships/{membership['id']}/leave"
    assert_problem(await api.client.post(path, headers=stranger), 404, "not-found")
    assert_problem(await api.client.post(path, headers=admin), 403, "forbidden")
    [listed] = (await api.client.get("/v1/me/memberships", headers=worker)).json()["items"]
    assert listed["status"] == "active"
