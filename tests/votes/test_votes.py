"""A rule change by member vote: priced, voted, counted, adopted from the next period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from audit import Actor
from audit.models import AuditEvent
from core.periods import Period
from notifications.models import OutboxMessage
from pools import repository as pools_repository
from pools.models import Administrator, Pool, RuleChange
from pools.viewer import Viewer
from runs.runner import MonthlyRunner
from tests.runs.conftest import FAST, Demo
from tests.runs.conftest import demo as demo  # the fixture, for the tests here
from votes import service
from votes.models import Proposal

CHANGE = {"contribution_rate_bp": 450, "waiting_period_months": 2}


async def _proposal(demo: Demo, changes: dict[str, int] = CHANGE) -> tuple[Proposal, list]:  # type: ignore[type-arg]
    outcome = await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    assert outcome.status == "succeeded"
    async with demo.sessions() as session:
        admin = await session.scalar(select(Administrator))
        assert admin is not None
        viewer = Viewer(admin_id=admin.id, is_operator=admin.role == "operator")
        actor = Actor.administrator(admin.id, admin.email, "198.51.100.4")
        proposal = await service.propose(
            session, viewer, actor, demo.pool_id, changes, scenarios=4000
        )
        await session.commit()
        members = [
            w.id for m, w in await pools_repository.members_of_pool(session, demo.pool_id)
            if m.status == "active"
        ]  # fmt: skip
        session.expunge(proposal)
    return proposal, members


async def _vote_and_close(demo: Demo, proposal: Proposal, yes: list, no: list) -> Proposal:  # type: ignore[type-arg]
    async with demo.sessions() as session:
        for worker in yes:
            await service.cast_vote(session, worker, proposal, "yes", "api")
        for worker in no:
            await service.cast_vote(session, worker, proposal, "no", "sms")
        await session.commit()
        closed = await service.close_due(session, now=proposal.closes_at + timedelta(seconds=1))
        await session.commit()
        assert closed == 1
        found = await session.get(Proposal, proposal.id)
        assert found is not None
        session.expunge(found)
        return found


async def test_a_proposal_is_priced_by_the_engine_and_every_member_is_asked(demo: Demo) -> None:
    proposal, members = await _proposal(demo)
    assert proposal.reference.startswith("P-") and proposal.status == "open"
    assert proposal.before == {"contribution_rate_bp": 300, "waiting_period_months": 3} or (
        set(proposal.before) == set(CHANGE)
    )
    effect = proposal.effect
    assert effect is not None and effect["period"] == str(demo.period)
    for side in ("before", "after"):
        figures = effect[side]
        assert 0.0 <= figures["ruin_probability"] <= 1.0
        assert figures["members_priced"] > 0 and figures["expected_payouts_minor"] >= 0
    # A higher rate buys more contributions over the year.
    assert (
        effect["after"]["expected_contributions_minor"]
        > effect["before"]["expected_contributions_minor"]
    )
    async with demo.sessions() as session:
        asked = await session.scalar(
            select(func.count()).where(OutboxMessage.template == "vote.opened")
        )
        logged = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "proposal.created")
        )
    assert asked == len(members)
    assert logged is not None and logged.details["changes"] == CHANGE


async def test_a_vote_that_passes_is_adopted_from_the_next_period(demo: Demo) -> None:
    proposal, members = await _proposal(demo)
    quorum = -(-len(members) * proposal.quorum_bp // 10_000)
    closed = await _vote_and_close(
        demo, proposal, members[: quorum - 2], members[quorum - 2 : quorum]
    )
    assert closed.status == "accepted"
    assert (closed.yes_votes, closed.no_votes, closed.eligible) == (quorum - 2, 2, len(members))
    async with demo.sessions() as session:
        pool = await session.get(Pool, demo.pool_id)
        assert pool is not None
        assert closed.applies_from == str(Period.current(pool.timezone, closed.closed_at).shift(1))
        assert pool.contribution_rate_bp != CHANGE["contribution_rate_bp"]  # not yet
        change = await session.scalar(select(RuleChange))
        assert change is not None and change.applied_at is None
        told = await session.scalar(
            select(func.count()).where(OutboxMessage.template == "vote.accepted")
        )
        assert told == len(members)


async def test_the_first_run_of_the_period_applies_an_adopted_change_before_closing(
    demo: Demo,
) -> None:
    async with demo.sessions() as session:
        session.add(RuleChange(pool_id=demo.pool_id, applies_from=str(demo.period),
                               changes=CHANGE, source="proposal:P-TEST"))  # fmt: skip
        await session.commit()
    outcome = await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    assert outcome.status == "succeeded"
    async with demo.sessions() as session:
        pool = await session.get(Pool, demo.pool_id)
        change = await session.scalar(select(RuleChange))
        entry = await session.scalar(select(AuditEvent).where(AuditEvent.action == "rules.changed"))
    assert pool is not None and pool.contribution_rate_bp == 450 and pool.waiting_period_months == 2
    assert change is not None and change.applied_at is not None
    assert entry is not None and entry.actor_kind == "system"


async def test_too_few_votes_or_too_few_yes_change_nothing(demo: Demo) -> None:
    proposal, members = await _proposal(demo)
    closed = await _vote_and_close(demo, proposal, members[:2], [])
    assert closed.status == "no_quorum"
    async with demo.sessions() as session:
        assert (await session.scalars(select(RuleChange))).all() == []
        admin = await session.scalar(select(Administrator))
        assert admin is not None
        viewer = Viewer(admin_id=admin.id, is_operator=admin.role == "operator")
        second = await service.propose(
            session, viewer, Actor.administrator(admin.id, admin.email, None), demo.pool_id,
            {"replacement_rate_bp": 5000}, scenarios=4000,
        )  # fmt: skip
        await session.commit()
        session.expunge(second)
    half = len(members) // 2
    rejected = await _vote_and_close(demo, second, members[: half - 1], members[half - 1 :])
    assert rejected.status == "rejected"


async def test_voting_again_replaces_the_vote_and_a_closed_vote_takes_no_more(demo: Demo) -> None:
    proposal, members = await _proposal(demo)
    async with demo.sessions() as session:
        await service.cast_vote(session, members[0], proposal, "yes", "sms")
        again = await service.cast_vote(session, members[0], proposal, "no", "api")
        await session.commit()
        assert again.choice == "no" and again.changes == 1
        assert await service.tally(session, proposal) == (0, 1)
        with pytest.raises(service.VoteClosed):
            await service.cast_vote(
                session, members[1], proposal, "yes", "api",
                now=proposal.closes_at + timedelta(seconds=1),
            )  # fmt: skip


async def test_a_rule_outside_its_limits_is_refused(demo: Demo) -> None:
    from pools.rules import InvalidRules

    with pytest.raises(InvalidRules):
        await _proposal(demo, {"contribution_rate_bp": 20_000})
