"""Claims: who may claim, who approves, and what a claim is owed month by month."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appeals.review import decide_appeal
from appeals.service import file_appeal
from audit.models import AuditEvent
from benefits import answer_claim, decide_claim, end_claim, file_claim
from benefits.models import BenefitClaim
from benefits.payments import ClaimTerms, due_for
from benefits.service import ClaimAlreadyOpen, NotForMembers
from core.periods import Period
from notifications.models import OutboxMessage
from runs.models import Decision
from tests.benefits.conftest import NOW, Coop, count, make_coop


def _terms(**given: object) -> ClaimTerms:
    values: dict[str, object] = {
        "starts_on": date(2026, 9, 5), "back_on": None, "paid_through": None,
        "waiting_days": 14, "max_months": 24, "monthly_benefit_minor": 120_000,
    }  # fmt: skip
    values.update(given)
    return ClaimTerms(**values)  # type: ignore[arg-type]


def test_the_waiting_days_are_not_paid_and_a_month_is_paid_by_its_days() -> None:
    terms = _terms()
    assert terms.first_paid_day == date(2026, 9, 19)
    september = due_for(terms, Period(2026, 9))
    assert (september.first, september.through, september.days) == (
        date(2026, 9, 19), date(2026, 9, 30), 12,
    )  # fmt: skip
    assert september.amount_minor == 120_000 * 12 // 30
    assert due_for(_terms(), Period(2026, 8)).amount_minor == 0  # before the claim
    # Within the waiting days nothing is owed.
    assert due_for(_terms(starts_on=date(2026, 9, 25)), Period(2026, 9)).amount_minor == 0


def test_a_late_run_pays_the_unpaid_days_once_and_never_again() -> None:
    both = due_for(_terms(), Period(2026, 10))  # September's run paid nothing (not approved)
    assert both.amount_minor == 120_000 * 12 // 30 + 120_000
    paid = _terms(paid_through=both.through)
    assert due_for(paid, Period(2026, 10)).amount_minor == 0
    assert due_for(paid, Period(2026, 11)).amount_minor == 120_000


def test_being_back_stops_the_days_and_the_maximum_ends_the_claim() -> None:
    back = due_for(_terms(back_on=date(2026, 11, 10), paid_through=date(2026, 10, 31)),
                   Period(2026, 11))  # fmt: skip
    assert (back.days, back.amount_minor, back.reaches_maximum) == (9, 120_000 * 9 // 30, False)
    short = _terms(max_months=1)
    assert short.last_payable_day == date(2026, 10, 18)
    first = due_for(short, Period(2026, 9))
    last = due_for(_terms(max_months=1, paid_through=first.through), Period(2026, 10))
    assert last.through == date(2026, 10, 18) and last.reaches_maximum
    assert first.days + last.days == 30  # one month from the first paid day, no more
    after = _terms(max_months=1, paid_through=last.through)
    assert due_for(after, Period(2026, 11)).amount_minor == 0


async def test_a_claim_before_the_qualifying_period_is_refused_as_a_decision_to_appeal(
    session: AsyncSession, coop: Coop
) -> None:
    newcomer = coop.workers[4]  # joined 2026-09-01: not six months in by November
    claim = await file_claim(session, newcomer, "sick", date(2026, 11, 18), now=NOW)
    assert claim.status == "refused"
    decision = await session.get(Decision, claim.decision_id)
    assert decision is not None
    assert (decision.kind, decision.reason, decision.amount_minor) == (
        "benefit_claim", "qualifying_period", 0,
    )  # fmt: skip
    assert decision.inputs["months_of_membership"] == 2
    assert decision.explanation == ["benefit_declined", "qualifying_period"]
    told = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.template == "benefit.refused")
    )
    assert told is not None and decision.reference in told.body
    # The refusal is a decision like the others: appealed, and changed by an administrator.
    appeal, _ = await file_appeal(session, newcomer, decision.id, "I was a member before", "api")
    review = await decide_appeal(
        session, coop.viewer, coop.actor, coop.pool.id, appeal.id, outcome="changed",
        amount_minor=60_000,
    )  # fmt: skip
    assert review.replacement is not None and review.replacement.replaces_id == decision.id
    await session.refresh(claim)
    assert (claim.status, claim.monthly_benefit_minor) == ("approved", 60_000)
    assert claim.decision_id == review.replacement.id


async def test_an_administrator_approves_a_claim_and_it_is_audited(
    session: AsyncSession, coop: Coop
) -> None:
    worker = coop.workers[1]
    claim = await file_claim(session, worker, "sick", date(2026, 11, 2), channel="web", now=NOW)
    assert claim.status == "pending" and claim.monthly_benefit_minor == 120_000
    with pytest.raises(ClaimAlreadyOpen):
        await file_claim(session, worker, "sick", date(2026, 11, 3), now=NOW)
    with pytest.raises(NotForMembers):  # this pool's administrators decide
        await answer_claim(session, coop.workers[0], claim.id, True)
    claim, decision = await decide_claim(
        session, coop.viewer, coop.actor, coop.pool.id, claim.id, approve=True, note="note seen"
    )
    assert claim.status == "approved"
    assert (decision.kind, decision.amount_minor, decision.reason) == (
        "benefit_claim", 120_000, "approved",
    )  # fmt: skip
    event = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "benefit.claim_decided")
    )
    assert event is not None and event.actor_label == coop.admin.email
    assert event.details["approved"] is True and event.client_address == "198.51.100.9"
    told = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.template == "benefit.approved")
    )
    assert told is not None and told.language == "es"
    ended = await end_claim(session, worker, date(2026, 11, 20), now=NOW)
    assert (ended.status, ended.back_on) == ("ended", date(2026, 11, 20))


async def test_members_approve_a_claim_bread_fund_style(session: AsyncSession) -> None:
    coop = await make_coop(session, [date(2025, 1, 15)] * 5, approval="members", approvals_needed=2)
    claimant, *others = coop.workers
    claim = await file_claim(session, claimant, "sick", date(2026, 11, 10), now=NOW)
    asked = await count(session, OutboxMessage, template="benefit.approval_ask")
    assert asked == len(others)
    await answer_claim(session, others[0], claim.id, True)
    await answer_claim(session, others[1], claim.id, False)
    assert claim.status == "pending"
    await answer_claim(session, others[1], claim.id, True)  # a member changes their mind
    assert claim.status == "approved"
    decision = await session.get(Decision, claim.decision_id)
    assert decision is not None and decision.reason == "members_approved"
    assert decision.factors["yes"] == 2 and decision.factors["no"] == 0
    # Another claim the members turn down: refused once approval can no longer be reached.
    second = await file_claim(session, others[0], "sick", date(2026, 11, 12), now=NOW)
    for voter in (claimant, others[1], others[2]):
        await answer_claim(session, voter, second.id, False)
    assert second.status == "refused"
    refused = await session.get(Decision, second.decision_id)
    assert refused is not None and refused.reason == "members_declined"


async def test_a_claim_may_start_at_most_sixty_days_back_and_not_tomorrow(
    session: AsyncSession, coop: Coop
) -> None:
    from benefits.service import InvalidClaimDate

    for day in (NOW.date() + timedelta(days=1), NOW.date() - timedelta(days=61)):
        with pytest.raises(InvalidClaimDate):
            await file_claim(session, coop.workers[0], "sick", day, now=NOW)
    assert await count(session, BenefitClaim) == 0
