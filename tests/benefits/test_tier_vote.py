"""Benefit tiers change by member vote, as the pool's other rules do."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audit import Actor
from benefits import choose_tier, set_plan
from benefits.models import BenefitPlan
from benefits.rules import InvalidBenefitRules
from pools.models import Administrator, Membership, Pool, RuleChange, Worker
from pools.viewer import Viewer
from runs.models import PricingSnapshot
from runs.runner import MonthlyRunner
from runs.solvency import snapshot_benefits
from tests.benefits.conftest import TIERS
from tests.runs.conftest import FAST, Demo
from tests.runs.conftest import demo as demo  # the fixture, for the tests here
from votes import service

CHANGE = {"benefit.sick.tier2.benefit_minor": 150_000, "contribution_rate_bp": 350}


async def test_a_vote_can_change_the_tiers_and_the_run_applies_it(demo: Demo) -> None:
    async with demo.sessions() as session:
        admin = await session.scalar(select(Administrator))
        assert admin is not None
        viewer, actor = Viewer.of_admin(admin), Actor.administrator(admin.id, admin.email, None)
        await set_plan(session, viewer, actor, demo.pool_id, "sick", {"tiers": TIERS})
        proposal = await service.propose(
            session, viewer, actor, demo.pool_id, CHANGE, scenarios=2000
        )
        assert (
            proposal.before
            == {
                "benefit.sick.tier2.benefit_minor": 120_000,
                "contribution_rate_bp": 300,
            }
            or proposal.before["benefit.sick.tier2.benefit_minor"] == 120_000
        )
        for wrong in (
            {"benefit.sick.tier3.benefit_minor": 1},  # no such tier
            {"benefit.sick.tier1.benefit_minor": 130_000},  # above the tier over it
            {"benefit.injury.tier1.benefit_minor": 1},  # not offered
            {"benefit.sick.tier1.benefit": 1},  # not an amount of a tier
        ):
            with pytest.raises(InvalidBenefitRules):
                await service.propose(session, viewer, actor, demo.pool_id, wrong)
        # Adopted (as a vote that passes adopts it) for the month the run is about to do.
        session.add(
            RuleChange(pool_id=demo.pool_id, applies_from=str(demo.period), changes=CHANGE,
                       source=f"proposal:{proposal.reference}")
        )  # fmt: skip
        await session.commit()
    outcome = await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    assert outcome.status == "succeeded"
    async with demo.sessions() as session:
        plan = await session.scalar(select(BenefitPlan))
        pool = await session.get(Pool, demo.pool_id)
        assert plan is not None and pool is not None
        assert [t["benefit_minor"] for t in plan.tiers] == [60_000, 150_000]
        assert pool.contribution_rate_bp == 350


async def test_a_tier_change_is_priced_on_the_members_who_hold_the_tier(demo: Demo) -> None:
    """Raising tier 2's benefit adds its members' expected claims to the expected payouts
    shown to the vote: 12 months x the share on benefit x members x the raise."""
    async with demo.sessions() as session:
        admin = await session.scalar(select(Administrator))
        assert admin is not None
        viewer, actor = Viewer.of_admin(admin), Actor.administrator(admin.id, admin.email, None)
        await set_plan(session, viewer, actor, demo.pool_id, "sick", {"tiers": TIERS})
        members = list(
            await session.scalars(
                select(Worker)
                .join(Membership, Membership.worker_id == Worker.id)
                .where(Membership.pool_id == demo.pool_id, Membership.status == "active")
            )
        )
        for worker in members[::2]:  # half of them hold tier 2
            await choose_tier(session, worker, demo.pool_id, "sick", 2)
        await session.commit()
    outcome = await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    assert outcome.status == "succeeded"
    async with demo.sessions() as session:
        admin = await session.scalar(select(Administrator))
        assert admin is not None
        viewer, actor = Viewer.of_admin(admin), Actor.administrator(admin.id, admin.email, None)
        raise_ = {"benefit.sick.tier2.benefit_minor": 150_000}
        proposal = await service.propose(
            session, viewer, actor, demo.pool_id, raise_, scenarios=2000
        )
        snapshot = await session.scalar(select(PricingSnapshot))
        assert snapshot is not None
        load = snapshot_benefits(snapshot.data)
    assert load is not None and load.share_on_benefit > 0
    effect = proposal.effect
    assert effect is not None
    added = effect["after"]["expected_payouts_minor"] - effect["before"]["expected_payouts_minor"]
    holders = len(members[::2])
    assert added == pytest.approx(12 * load.share_on_benefit * holders * 30_000, rel=0.02)
    assert effect["after"]["ruin_probability"] >= effect["before"]["ruin_probability"]
    # A change of the pool's other rules alone leaves the benefit load as the run priced it.
    async with demo.sessions() as session:
        rate_only = await service.propose(
            session, viewer, actor, demo.pool_id, {"contribution_rate_bp": 350}, scenarios=2000
        )
    assert rate_only.effect is not None
    assert rate_only.effect["before"] == effect["before"]
