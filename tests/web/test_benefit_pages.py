"""Benefit decisions on the pages the worker already has."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from audit import Actor
from benefits import choose_tier, decide_claim, file_claim, set_plan
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
