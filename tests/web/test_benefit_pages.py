"""Benefit decisions on the pages the worker already has."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from audit import Actor
from audit.models import AuditEvent
from benefits import choose_tier, decide_claim, file_claim, set_plan
from benefits.models import BenefitClaim
from pools.models import Administrator, Worker
from pools.viewer import Viewer
from tests.web.conftest import Site, seed_and_run


async def test_a_claim_decision_is_listed_with_the_worker_s_decisions(site: Site) -> None:
    demo = await seed_and_run(site)
    phone = demo.phones[0]
    async with site.db() as session:
        admin = await session.scalar(select(Administrator))
        worker = await session.scalar(select(Worker).where(Worker.phone_e164 == phone))
        assert admin is not None and worker is not None
        viewer, actor = Viewer.of_admin(admin), Actor.administrator(admin.id, admin.email, None)
        tiers = [{"benefit_minor": 90000, "contribution_minor": 2000}]
        pool_id = uuid.UUID(demo.pool_id)
        await set_plan(session, viewer, actor, pool_id, "sick", {"tiers": tiers})
        await choose_tier(session, worker, pool_id, "sick", 1)
        claim = await file_claim(session, worker, "sick", None)
        await decide_claim(session, viewer, actor, pool_id, claim.id, approve=True)
        await session.commit()
    await site.sign_in_worker(phone)
    await site.client.get("/language", params={"lang": "en", "next": "/me"})
    decisions = await site.page("/me/decisions")
    text = decisions.get_text()
    assert "Leave pay claim" in text and "your claim was approved" in text


async def test_a_member_claims_on_the_web_and_the_administrator_approves_it(site: Site) -> None:
    demo = await seed_and_run(site)
    phone = demo.phones[0]
    async with site.db() as session:
        admin = await session.scalar(select(Administrator))
        assert admin is not None
        viewer, actor = Viewer.of_admin(admin), Actor.administrator(admin.id, admin.email, None)
        tiers = [
            {"benefit_minor": 60000, "contribution_minor": 1500},
            {"benefit_minor": 90000, "contribution_minor": 2000},
        ]
        await set_plan(session, viewer, actor, uuid.UUID(demo.pool_id), "sick", {"tiers": tiers})
        await session.commit()
    await site.sign_in_worker(phone)
    await site.client.get("/language", params={"lang": "en", "next": "/me"})
    page = await site.page("/me/benefits")
    assert "Sick leave" in page.get_text() and "$900.00" in page.get_text()
    token = site.client.cookies.get("mutua_csrf")
    base = {"_csrf_token": token, "pool_id": demo.pool_id, "kind": "sick"}
    chosen = await site.client.post("/me/benefits", data={**base, "action": "tier", "level": "2"})
    assert chosen.status_code == 200, chosen.text
    claimed = await site.client.post("/me/benefits", data={**base, "action": "claim"})
    assert claimed.status_code == 200, claimed.text
    twice = await site.client.post("/me/benefits", data={**base, "action": "claim"})
    assert twice.status_code == 409 and "already open" in twice.text
    async with site.db() as session:
        claim = await session.scalar(select(BenefitClaim))
        assert claim is not None and claim.channel == "web" and claim.level == 2
    site.client.cookies.clear()
    await site.sign_in_admin(demo.admin_email, create=False, password=demo.admin_password)
    queue = await site.client.get(f"/admin/pools/{demo.pool_id}/benefit-claims")
    assert queue.status_code == 200 and claim.reference in queue.text
    token = site.client.cookies.get("mutua_csrf")
    decided = await site.client.post(
        f"/admin/pools/{demo.pool_id}/benefit-claims/{claim.id}",
        data={"_csrf_token": token, "outcome": "approved"},
    )
    assert decided.status_code == 200, decided.text
    async with site.db() as session:
        found = await session.get(BenefitClaim, claim.id)
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "benefit.claim_decided")
        )
    assert found is not None and found.status == "approved"
    assert event is not None and event.actor_label == demo.admin_email
