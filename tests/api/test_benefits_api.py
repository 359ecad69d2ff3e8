"""Benefits through the API: an administrator offers sick leave, members choose a tier,
one claims, the others approve, and the member says when they are back."""

from __future__ import annotations

from datetime import date, timedelta

from tests.api.conftest import Api, join_pool

RULES = {
    "tiers": [
        {"benefit_minor": 60000, "contribution_minor": 1500},
        {"benefit_minor": 120000, "contribution_minor": 3000},
    ],
    "qualifying_months": 0,
    "waiting_days": 7,
    "approval": "members",
    "approvals_needed": 2,
}


async def test_members_approve_a_claim_made_by_the_api(api: Api) -> None:
    admin = await api.admin_headers("admin@riders.example.org")
    pool = await api.create_pool(admin, name="Bay Riders", currency="USD")
    response = await api.client.post(
        f"/v1/admin/pools/{pool['id']}/benefits/sick", json=RULES, headers=admin
    )
    assert response.status_code == 200, response.text
    offered = response.json()
    assert [t["level"] for t in offered["tiers"]] == [1, 2] and offered["max_months"] == 24
    workers = []
    for phone in ("+14155550171", "+14155550172", "+14155550173"):
        headers = await api.worker_headers(phone)
        await join_pool(api, headers, pool["code"])
        response = await api.client.post(
            f"/v1/me/pools/{pool['id']}/benefits/sick/tier", json={"level": 2}, headers=headers
        )
        assert response.status_code == 200, response.text
        workers.append(headers)
    claimant, first, second = workers
    shown = await api.client.get(f"/v1/me/pools/{pool['id']}/benefits", headers=claimant)
    assert shown.json()[0]["my_level"] == 2

    response = await api.client.post(
        "/v1/me/benefit-claims", json={"kind": "sick"}, headers=claimant
    )
    assert response.status_code == 201, response.text
    claim = response.json()
    assert (claim["status"], claim["monthly_benefit_minor"]) == ("pending", 120000)
    again = await api.client.post("/v1/me/benefit-claims", json={}, headers=claimant)
    assert again.status_code == 409 and again.json()["type"].endswith("/benefit-claim-open")

    waiting = await api.client.get("/v1/me/benefit-claims/to-answer", headers=first)
    assert [c["reference"] for c in waiting.json()] == [claim["reference"]]
    mine = await api.client.get("/v1/me/benefit-claims/to-answer", headers=claimant)
    assert mine.json() == []  # nobody approves their own claim
    for voter in (first, second):
        response = await api.client.post(
            f"/v1/me/benefit-claims/{claim['id']}/approval", json={"approve": True}, headers=voter
        )
        assert response.status_code == 200, response.text
    (decided,) = (await api.client.get("/v1/me/benefit-claims", headers=claimant)).json()
    assert decided["status"] == "approved" and decided["decision_id"]
    decision = await api.client.get(f"/v1/me/decisions/{decided['decision_id']}", headers=claimant)
    assert decision.status_code == 200, decision.text
    assert decision.json()["kind"] == "benefit_claim"

    back = str(date.today() + timedelta(days=1))
    response = await api.client.post(
        f"/v1/me/benefit-claims/{claim['id']}/end", json={"back_on": back}, headers=claimant
    )
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["back_on"]) == ("ended", back)
    listed = await api.client.get(f"/v1/admin/pools/{pool['id']}/benefit-claims", headers=admin)
    assert [c["status"] for c in listed.json()] == ["ended"]
