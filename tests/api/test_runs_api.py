"""The monthly run through the API: an administrator starts it and reads the pool's health;
a worker reads their plan and decisions, with a `why` in their own language."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from api.demo import DEMO_ADMIN_EMAIL, seed_demo
from core.periods import Period
from pools.models import Pool, Worker
from tests.api.conftest import Api, assert_problem

PASSWORD = "demo-password-long-enough"


async def seeded(api: Api) -> tuple[dict[str, str], str, Period]:
    async with api.db() as session:
        await seed_demo(session, seed=7, n_workers=36, password=PASSWORD)
        pool = await session.scalar(select(Pool))
        assert pool is not None
        period = Period.current(pool.timezone).shift(-1)
        pool_id = str(pool.id)
    response = await api.client.post(
        "/v1/auth/admin/login", json={"email": DEMO_ADMIN_EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}, pool_id, period


async def run_month(
    api: Api, admin: dict[str, str], pool_id: str, period: Period
) -> dict[str, Any]:
    response = await api.client.post(
        f"/v1/admin/pools/{pool_id}/runs", json={"period": str(period)}, headers=admin
    )
    assert response.status_code == 202, response.text
    run: dict[str, Any] = response.json()
    for _ in range(600):
        response = await api.client.get(
            f"/v1/admin/pools/{pool_id}/runs/{run['id']}", headers=admin
        )
        run = response.json()
        if run["status"] != "running":
            break
        await asyncio.sleep(0.1)
    assert run["status"] == "succeeded", run
    return run


async def test_an_administrator_runs_the_month_and_sees_the_pools_health(api: Api) -> None:
    admin, pool_id, period = await seeded(api)
    run = await run_month(api, admin, pool_id, period)
    assert run["members_total"] == 36 and run["step"] == "done"
    assert run["totals"]["transfer:contribution"] > 0
    again = await api.client.post(
        f"/v1/admin/pools/{pool_id}/runs", json={"period": str(period)}, headers=admin
    )
    assert again.status_code == 202 and again.json()["id"] == run["id"]
    assert again.json()["status"] == "succeeded"
    listed = (await api.client.get(f"/v1/admin/pools/{pool_id}/runs", headers=admin)).json()
    assert [r["id"] for r in listed["items"]] == [run["id"]]

    health = (await api.client.get(f"/v1/admin/pools/{pool_id}/health", headers=admin)).json()
    assert health["members"] == 36 and health["reserve_minor"] > 0
    solvency = health["solvency"]
    assert solvency["period"] == str(period)
    assert 0 <= solvency["ruin_probability"] <= 1 and solvency["ruin_standard_error"] >= 0
    assert len(solvency["fan"]["p50"]) == 12
    assert len(health["flows_last_12"]) == 12
    last = next(f for f in health["flows_last_12"] if f["period"] == str(period))
    assert last["contributions_minor"] == run["totals"]["transfer:contribution"] + run[
        "totals"
    ].get("transfer:catchup", 0) + run["totals"].get("transfer:arrears_settled", 0)
    assert health["last_run"]["id"] == run["id"]


async def test_a_worker_reads_their_plan_and_decisions_in_their_language(api: Api) -> None:
    admin, pool_id, period = await seeded(api)
    await run_month(api, admin, pool_id, period)
    async with api.db() as session:
        spanish = await session.scalar(select(Worker).where(Worker.language == "es"))
        other = await session.scalar(select(Worker).where(Worker.language == "en"))
        assert spanish is not None and other is not None
    headers = await api.worker_headers(spanish.phone_e164)
    plan = (await api.client.get("/v1/me/plan", headers=headers)).json()
    assert plan["period"] == str(period) and plan["language"] == "es"
    assert len(plan["forecast"]) == 6
    assert all(m["p10_minor"] <= m["p50_minor"] <= m["p90_minor"] for m in plan["forecast"])
    assert plan["savings_target"]["amount_minor"] >= 0
    contribution = plan["decisions"][0]
    assert contribution["kind"] == "contribution" and contribution["why"].startswith("Por qué")

    page = (await api.client.get("/v1/me/decisions?limit=1", headers=headers)).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = (
        await api.client.get(f"/v1/me/decisions?cursor={page['next_cursor']}", headers=headers)
    ).json()
    seen = [d["id"] for d in page["items"] + rest["items"]]
    assert len(seen) == len(set(seen)) == len(plan["decisions"])
    one = (await api.client.get(f"/v1/me/decisions/{contribution['id']}", headers=headers)).json()
    assert one["factors"]["charged_minor"] == contribution["amount_minor"]
    assert one["inputs"]["contribution_rate_bp"] == 400 and one["transfer_ids"] is not None

    # Another worker's decision is not there for them.
    theirs = await api.worker_headers(other.phone_e164)
    assert_problem(
        await api.client.get(f"/v1/me/decisions/{contribution['id']}", headers=theirs),
        404,
        "decision-not-found",
    )


async def test_bad_runs_get_their_problem_types_and_change_nothing(api: Api) -> None:
    admin, pool_id, period = await seeded(api)
    url = f"/v1/admin/pools/{pool_id}/runs"
    this_month = str(period.shift(1))
    assert_problem(
        await api.client.post(url, json={"period": this_month}, headers=admin),
        422,
        "period-not-closed",
    )
    assert_problem(
        await api.client.post(url, json={"period": "2100-01"}, headers=admin),
        422,
        "period-not-closed",
    )
    assert_problem(
        await api.client.post(url, json={"period": "2026-13"}, headers=admin), 422, "invalid-period"
    )
    assert_problem(
        await api.client.post(url, json={"period": "1990-01"}, headers=admin), 422, "invalid-period"
    )
    assert_problem(
        await api.client.post(url, json={"period": str(period), "rate": 9}, headers=admin),
        422,
        "validation-failed",
    )
    assert (await api.client.get(url, headers=admin)).json()["items"] == []
    assert_problem(
        await api.client.get("/v1/me/decisions?cursor=nonsense", headers=await api.worker_headers(
            "+14155550100"
        )),
        422,
        "validation-failed",
    )  # fmt: skip
