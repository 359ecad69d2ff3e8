"""Operators run the service and hand pools to administrators; administrators run theirs."""

from __future__ import annotations

import uuid

from tests.api.conftest import Api, assert_problem


async def test_an_operator_grants_a_pool_to_a_new_administrator(api: Api) -> None:
    operator = await api.admin_headers("ops@mutua.example", role="operator")
    founder = await api.admin_headers("founder@coop.example")
    pool = await api.create_pool(founder, name="Bay Riders")
    newcomer = await api.admin_headers("treasurer@coop.example")
    assert (await api.client.get("/v1/admin/pools", headers=newcomer)).json()["items"] == []
    members = f"/v1/admin/pools/{pool['id']}/members"
    assert_problem(await api.client.get(members, headers=newcomer), 404, "not-found")

    # The operator sees every pool, so it can find the one to grant.
    listed = (await api.client.get("/v1/admin/pools", headers=operator)).json()["items"]
    assert [p["id"] for p in listed] == [pool["id"]]
    grant = f"/v1/admin/pools/{pool['id']}/administrators"
    body = {"email": "Treasurer@Coop.example"}
    granted = await api.client.post(grant, json=body, headers=operator)
    assert granted.status_code == 201, granted.text
    assert granted.json()["email"] == "treasurer@coop.example"
    again = await api.client.post(grant, json=body, headers=operator)
    assert again.status_code == 200, again.text

    listed = (await api.client.get("/v1/admin/pools", headers=newcomer)).json()["items"]
    assert [p["name"] for p in listed] == ["Bay Riders"]
    assert (await api.client.get(members, headers=newcomer)).status_code == 200


async def test_only_operators_grant_and_only_what_exists(api: Api) -> None:
    operator = await api.admin_headers("ops@mutua.example", role="operator")
    founder = await api.admin_headers("founder@coop.example")
    pool = await api.create_pool(founder)
    grant = f"/v1/admin/pools/{pool['id']}/administrators"
    worker = await api.worker_headers("+14155550131")

    own_pool = await api.client.post(grant, json={"email": "ops@mutua.example"}, headers=founder)
    assert_problem(own_pool, 403, "forbidden")
    by_worker = await api.client.post(grant, json={"email": "ops@mutua.example"}, headers=worker)
    assert_problem(by_worker, 403, "forbidden")
    nobody = await api.client.post(grant, json={"email": "who@coop.example"}, headers=operator)
    assert assert_problem(nobody, 404, "administrator-not-found")["email"] == "who@coop.example"
    no_pool = await api.client.post(
        f"/v1/admin/pools/{uuid.uuid4()}/administrators",
        json={"email": "founder@coop.example"},
        headers=operator,
    )
    assert_problem(no_pool, 404, "not-found")
