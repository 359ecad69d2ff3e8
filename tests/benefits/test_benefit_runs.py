"""A benefit claim across several monthly runs: paid from the reserve as decisions, by its
days, after its waiting time, until the member is back or the maximum is paid."""

from __future__ import annotations

import calendar
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Actor
from benefits import choose_tier, decide_claim, end_claim, file_claim, set_plan
from benefits.models import BenefitClaim
from core.periods import Period
from notifications.models import OutboxMessage
from pools import ledger_queries
from pools.ledger_models import LedgerTransfer
from pools.models import Administrator, Membership, Worker
from pools.viewer import Viewer
from runs.models import Decision, MemberPlan, MonthlyRun, PoolHealth
from runs.runner import MonthlyRunner
from tests.benefits.conftest import TIERS
from tests.runs.conftest import FAST, Demo
from tests.runs.conftest import demo as demo  # the fixture, for the tests here


def _on(period: Period, day: int) -> datetime:
    return datetime(period.year, period.month, day, 16, 0, tzinfo=UTC)


def _days(period: Period) -> int:
    return calendar.monthrange(period.year, period.month)[1]


async def _books_balance(session: AsyncSession) -> None:
    assert set((await ledger_queries.balances_by_currency(session)).values()) == {0}
    assert set((await ledger_queries.transfer_sums_by_currency(session)).values()) == {0}
    assert await ledger_queries.balance_drift(session) == {}


async def _decisions(session: AsyncSession, worker_id: uuid.UUID, kind: str) -> dict[str, Decision]:
    rows = await session.scalars(
        select(Decision).where(Decision.worker_id == worker_id, Decision.kind == kind)
    )
    return {d.period: d for d in rows}


async def test_a_claim_is_paid_by_several_runs_until_the_member_is_back(demo: Demo) -> None:
    first, second, third = demo.period.shift(-2), demo.period.shift(-1), demo.period
    async with demo.sessions() as session:
        admin = await session.scalar(select(Administrator))
        assert admin is not None
        viewer, actor = Viewer.of_admin(admin), Actor.administrator(admin.id, admin.email, None)
        members = (
            await session.execute(
                select(Membership, Worker)
                .join(Worker, Worker.id == Membership.worker_id)
                .order_by(Membership.joined_on, Worker.phone_e164)
            )
        ).all()
        (_, sick), (_, short), (_, payer) = members[0], members[1], members[2]
        # A benefit whose claims last one month at most, claimed under it...
        rules = {"tiers": TIERS, "waiting_days": 14, "max_months": 1}
        await set_plan(session, viewer, actor, demo.pool_id, "sick", rules)
        for worker, level in ((sick, 2), (short, 1), (payer, 1)):
            await choose_tier(session, worker, demo.pool_id, "sick", level)
        brief = await file_claim(session, short, "sick", first.first_day, now=_on(first, 6))
        # ...then the pool's usual two years, for the next claim.
        await set_plan(session, viewer, actor, demo.pool_id, "sick", {"max_months": 24})
        start = first.first_day.replace(day=5)
        claim = await file_claim(session, sick, "sick", start, now=_on(first, 6))
        for made in (brief, claim):
            await decide_claim(session, viewer, actor, demo.pool_id, made.id, approve=True)
        await session.commit()
        claim_id, brief_id = claim.id, brief.id
        sick_id, short_id, payer_id = sick.id, short.id, payer.id

    runner = MonthlyRunner(demo.sessions, FAST)
    for period in (first, second):
        assert (await runner.run(demo.pool_id, period)).status == "succeeded"
        async with demo.sessions() as session:
            await _books_balance(session)
    async with demo.sessions() as session:
        worker = await session.get(Worker, sick_id)
        assert worker is not None
        back = await end_claim(session, worker, third.first_day.replace(day=10), now=_on(third, 10))
        assert back.status == "ended"
        await session.commit()
    assert (await runner.run(demo.pool_id, third)).status == "succeeded"

    async with demo.sessions() as session:
        await _books_balance(session)
        paid = await _decisions(session, sick_id, "benefit")
        # Nothing for the 14 waiting days (5th to 18th), then each month by its days.
        assert {p: d.amount_minor for p, d in paid.items()} == {
            str(first): 120_000 * (_days(first) - 18) // _days(first),
            str(second): 120_000,
            str(third): 120_000 * 9 // _days(third),
        }
        assert paid[str(first)].factors["first_paid_day"] == start.replace(day=19).isoformat()
        assert paid[str(third)].explanation[0] == "benefit_days"
        for decision in paid.values():  # each one moved the money it says, reserve → savings
            (transfer,) = [
                await session.get(LedgerTransfer, uuid.UUID(t)) for t in decision.transfer_ids
            ]
            assert transfer is not None and transfer.reason == "benefit"
            assert transfer.amount_minor == decision.amount_minor
        done = await session.get(BenefitClaim, claim_id)
        assert done is not None and done.status == "ended"
        assert done.paid_through == third.first_day.replace(day=9)
        # The one-month claim stopped at its maximum, and said so.
        brief_paid = await _decisions(session, short_id, "benefit")
        assert set(brief_paid) == {str(first), str(second)}
        assert brief_paid[str(second)].reason == "maximum_reached"
        assert sum(d.factors["days"] for d in brief_paid.values()) == _days(first)
        ended = await session.get(BenefitClaim, brief_id)
        assert ended is not None and ended.status == "exhausted"
        # On benefit, no contribution (the pool's rule) and no smoothing payout.
        contributions = await _decisions(session, sick_id, "contribution")
        assert contributions[str(second)].reason == "on_benefit"
        assert contributions[str(second)].amount_minor == 0
        assert contributions[str(second)].explanation == ["on_benefit", "contribution_waived"]
        assert str(second) not in await _decisions(session, sick_id, "payout")
        # A member with a tier who is not ill pays its contribution on top of their share.
        plan = await session.scalar(
            select(MemberPlan).where(
                MemberPlan.worker_id == payer_id, MemberPlan.period == str(second)
            )
        )
        assert plan is not None and plan.relief_reason != "on_benefit"
        assert plan.relief_factors["benefit_contribution_minor"] == TIERS[0]["contribution_minor"]
        # The run's totals and the ledger agree; the member was told each month.
        run = await session.scalar(select(MonthlyRun).where(MonthlyRun.period == str(second)))
        assert run is not None
        assert run.totals["transfer:benefit"] == 120_000 + brief_paid[str(second)].amount_minor
        told = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "benefit.paid")
        )
        assert len([m for m in told if m.recipient == worker.phone_e164]) == 3
        # Benefits are in the pool's pricing.
        health = await session.scalar(select(PoolHealth).where(PoolHealth.period == str(third)))
        assert health is not None and health.factors["benefit_claims_per_month"] > 0
        assert health.factors["benefit_contributions_per_month"] > 0


async def test_a_run_done_twice_pays_a_benefit_once(demo: Demo) -> None:
    async with demo.sessions() as session:
        admin = await session.scalar(select(Administrator))
        member = await session.scalar(select(Membership).order_by(Membership.joined_on))
        assert admin is not None and member is not None
        worker = await session.get(Worker, member.worker_id)
        assert worker is not None
        viewer, actor = Viewer.of_admin(admin), Actor.administrator(admin.id, admin.email, None)
        await set_plan(
            session, viewer, actor, demo.pool_id, "sick", {"tiers": TIERS, "waiting_days": 0}
        )
        await choose_tier(session, worker, demo.pool_id, "sick", 1)
        claim = await file_claim(
            session, worker, "sick", demo.period.first_day, now=_on(demo.period, 2)
        )
        await decide_claim(session, viewer, actor, demo.pool_id, claim.id, approve=True)
        await session.commit()
    for _ in range(2):
        await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    async with demo.sessions() as session:
        await _books_balance(session)
        paid = await _decisions(session, worker.id, "benefit")
        assert [d.amount_minor for d in paid.values()] == [60_000]
        transfers = await session.scalars(
            select(LedgerTransfer).where(LedgerTransfer.reason == "benefit")
        )
        assert [t.amount_minor for t in transfers] == [60_000]
