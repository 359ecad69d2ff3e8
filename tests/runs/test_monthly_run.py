"""A whole month on both databases, run again, and interrupted at every boundary."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from notifications.models import OutboxMessage
from runs.models import Decision, MemberPlan, MonthlyRun, PoolHealth
from runs.runner import MonthlyRunner
from tests.runs.conftest import FAST, Demo, assert_month_is_whole, month_facts, reserve_of


async def test_a_month_gives_every_member_a_plan_money_decisions_and_a_statement(
    demo: Demo,
) -> None:
    async with demo.sessions() as session:
        before = await reserve_of(session, demo.pool_id)
    outcome = await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    assert outcome.status == "succeeded"
    async with demo.sessions() as session:
        await assert_month_is_whole(session, demo.pool_id, demo.period, before)
        plans = (await session.scalars(select(MemberPlan))).all()
        assert all(p.savings_target_minor >= 0 and len(p.forecast) == 6 for p in plans)
        assert all(
            p.forecast[0]["p10"] <= p.forecast[0]["p50"] <= p.forecast[0]["p90"] for p in plans
        )
        assert sum(p.baseline_minor > 0 for p in plans) >= 30
        health = await session.scalar(select(PoolHealth))
        assert health is not None
        assert 0.0 <= health.ruin_probability <= 1.0
        assert len(health.fan["p50"]) == 12 and health.fan["p05"][0] <= health.fan["p95"][0]
        kinds = {d.kind for d in (await session.scalars(select(Decision))).all()}
        assert {"contribution", "payout"} <= kinds, kinds
        # Messages are written in the member's own language (the demo's members speak 11).
        languages = set(
            (
                await session.scalars(
                    select(OutboxMessage.language).where(
                        OutboxMessage.template == "statement.monthly"
                    )
                )
            ).all()
        )
        assert len(languages) >= 5, languages


async def test_a_finished_month_run_again_changes_nothing(demo: Demo) -> None:
    await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    async with demo.sessions() as session:
        first = await month_facts(session, demo.pool_id, demo.period)
    again = await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    assert again.status == "already_done"
    async with demo.sessions() as session:
        assert await month_facts(session, demo.pool_id, demo.period) == first


class Crash(Exception):
    pass


BOUNDARIES = [
    "before:close",
    "entered:model",
    "before:model",
    "before:plans",
    "after:chunk:plans:1",
    "entered:solvency",
    "before:solvency",
    "entered:contributions",
    "before:chunk:contributions:0",
    "after:chunk:contributions:1",
    "entered:payouts",
    "before:chunk:payouts:2",
    "after:chunk:payouts:3",
]
"""Every step boundary, and chunk boundaries inside each chunked step (36 members in
chunks of 10: chunks 0-3)."""


@pytest.mark.parametrize("boundary", BOUNDARIES)
async def test_a_run_that_crashes_anywhere_resumes_and_posts_everything_exactly_once(
    demo: Demo, boundary: str
) -> None:
    async with demo.sessions() as session:
        before = await reserve_of(session, demo.pool_id)

    def crash(label: str) -> None:
        if label == boundary:
            raise Crash(label)

    with pytest.raises(Crash):
        await MonthlyRunner(demo.sessions, dataclasses.replace(FAST, fault=crash)).run(
            demo.pool_id, demo.period
        )
    async with demo.sessions() as session:
        run = await session.scalar(select(MonthlyRun))
        assert run is not None and run.status == "failed" and "Crash" in (run.error or "")
    outcome = await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    assert outcome.status == "succeeded"
    assert outcome.run.attempts == 1
    async with demo.sessions() as session:
        await assert_month_is_whole(session, demo.pool_id, demo.period, before)
        facts = await month_facts(session, demo.pool_id, demo.period)
        plans = (await session.scalars(select(MemberPlan))).all()
    # One contribution decision and one statement per member: nothing twice, nothing lost.
    assert facts["decisions"]["contribution"] == len(plans)  # type: ignore[index]
    assert facts["messages"]["statement.monthly"] == len(plans)  # type: ignore[index]


async def test_a_member_who_joined_after_the_month_is_left_out_of_it(demo: Demo) -> None:
    from core.clock import utcnow
    from income.service import record_manual
    from pools.models import Membership, Worker

    async with demo.sessions() as session:
        newcomer = Worker(phone_e164="+14155559999", language="es", timezone="UTC")
        session.add(newcomer)
        await session.flush()
        session.add(
            Membership(pool_id=demo.pool_id, worker_id=newcomer.id, joined_on=utcnow().date())
        )
        await session.commit()
        await record_manual(
            session, newcomer.id, platform="uber", period=demo.period, amount_minor=45_000,
            currency="USD",
        )  # fmt: skip
        await session.commit()
    outcome = await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    assert outcome.status == "succeeded" and outcome.run.members_total == 36
