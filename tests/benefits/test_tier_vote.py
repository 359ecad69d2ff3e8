"""Benefit tiers change by member vote, as the pool's other rules do."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audit import Actor
from benefits import set_plan
from benefits.models import BenefitPlan
from benefits.rules import InvalidBenefitRules
from pools.models import Administrator, Pool, RuleChange
from pools.viewer import Viewer
from runs.runner import MonthlyRunner
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
