"""Benefits: the pool's rules, a member's tier, claims, and who approves them.

Functions write through the caller's session and do not commit. Every channel (API, web,
SMS `SICK` and `BETTER`) calls these, so the rules live once:

- a member claims a benefit the pool offers and they chose a tier of; a claim that starts
  before the qualifying period is over is refused at once, as a decision the member can
  appeal; one open claim per member;
- an administrator approves or refuses (audited), or, by the pool's rule, the claim is
  approved once `approvals_needed` other members said YES (and refused once so many said NO
  that it no longer can be);
- approving or refusing stores a `benefit_claim` decision with its inputs and factors; the
  monthly run pays an approved claim (`benefits.payments`, `runs.posting`), each month a
  `benefit` decision, until the member is back or the maximum is paid.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Actor, record
from benefits import repository
from benefits.models import (
    EVIDENCE_MAX,
    BenefitApproval,
    BenefitClaim,
    BenefitEnrolment,
    BenefitPlan,
)
from benefits.payments import months_between_days
from benefits.rules import BenefitNotOffered, InvalidBenefitRules, check_kind, merge_benefit_rules
from core.clock import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.ids import new_id
from core.money import Money
from core.periods import Period
from i18n import choose_language
from notifications.outbox import enqueue_sms
from pools import repository as pools_repository
from pools.models import Membership, Pool, Worker
from pools.service import administered_pool, pool_for_viewer
from pools.viewer import Viewer
from runs import ids
from runs.models import Decision

CLAIM_BACKDATE_DAYS = 60
"""How far back a claim may start: a member who was too ill to text still gets their days."""
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


class TierNotChosen(ValidationFailed):
    slug = "benefit-tier-not-chosen"
    title = "Choose a tier of this benefit first"


class ClaimAlreadyOpen(Conflict):
    slug = "benefit-claim-open"
    title = "A claim of yours is already open"


class ClaimNotFound(NotFound):
    slug = "benefit-claim-not-found"
    title = "The claim does not exist"


class ClaimAlreadyDecided(Conflict):
    slug = "benefit-claim-decided"
    title = "The claim was already decided"


class EvidenceRequired(ValidationFailed):
    slug = "benefit-evidence-required"
    title = "This benefit needs evidence with the claim"


class InvalidClaimDate(ValidationFailed):
    slug = "invalid-claim-date"
    title = "The claim's date is not valid"


class NotForMembers(Conflict):
    slug = "benefit-approved-by-administrators"
    title = "This claim is decided by the pool's administrators"


def today_in(pool: Pool, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(pool.timezone)).date()


def language_for(worker: Worker, pool: Pool) -> str:
    return choose_language(
        chosen=worker.language, accept_language=None, phone_e164=worker.phone_e164,
        pool_default=pool.default_language,
    )  # fmt: skip


def rules_of(plan: BenefitPlan) -> dict[str, Any]:
    return {
        "tiers": plan.tiers, "qualifying_months": plan.qualifying_months,
        "waiting_days": plan.waiting_days, "max_months": plan.max_months,
        "evidence_required": plan.evidence_required, "approval": plan.approval,
        "approvals_needed": plan.approvals_needed,
        "waive_contributions": plan.waive_contributions,
    }  # fmt: skip


# -- the pool's rules ----------------------------------------------------------------------
async def set_plan(
    session: AsyncSession,
    viewer: Viewer,
    actor: Actor,
    pool_id: uuid.UUID,
    kind: str,
    given: dict[str, Any],
) -> BenefitPlan:
    """Offer a benefit, or change its rules (claims already made keep theirs)."""
    pool = await administered_pool(session, viewer, pool_id)
    check_kind(kind)
    plan = await repository.plan_of(session, pool.id, kind, for_update=True)
    rules = merge_benefit_rules(rules_of(plan) if plan else None, given)
    if plan is None:
        plan = BenefitPlan(pool_id=pool.id, kind=kind, **rules)
        session.add(plan)
    else:
        for name, value in rules.items():
            setattr(plan, name, value)
        plan.updated_at = utcnow()
    record(
        session, actor, "benefit.rules_set", pool_id=pool.id, target_kind="benefit_plan",
        target_id=kind, details={"kind": kind, "given": given},
    )  # fmt: skip
    await session.flush()
    return plan


async def pool_plans(
    session: AsyncSession, viewer: Viewer, pool_id: uuid.UUID
) -> tuple[Pool, Sequence[BenefitPlan]]:
    """The benefits a pool offers, for its members and administrators."""
    pool = await pool_for_viewer(session, viewer, pool_id)
    return pool, await repository.plans_of(session, pool.id)


async def _offered(session: AsyncSession, pool_id: uuid.UUID, kind: str) -> BenefitPlan:
    plan = await repository.plan_of(session, pool_id, check_kind(kind))
    if plan is None:
        raise BenefitNotOffered(f"the pool offers no {kind} benefit")
    return plan


async def _membership(session: AsyncSession, worker: Worker, pool_id: uuid.UUID) -> Membership:
    member = await pools_repository.membership(session, pool_id, worker.id)
    if member is None or member.status != "active":
        raise NotFound("no such pool")
    return member


# -- a member's tier -----------------------------------------------------------------------
async def choose_tier(
    session: AsyncSession, worker: Worker, pool_id: uuid.UUID, kind: str, level: int
) -> BenefitEnrolment:
    """The member's tier of a benefit; choosing again changes it for claims from now on."""
    member = await _membership(session, worker, pool_id)
    plan = await _offered(session, pool_id, kind)
    if not any(tier["level"] == level for tier in plan.tiers):
        raise InvalidBenefitRules(
            f"the {kind} benefit has tiers 1 to {len(plan.tiers)}", field="level"
        )
    enrolment = await repository.enrolment_of(session, member.id, kind)
    if enrolment is None:
        enrolment = BenefitEnrolment(
            membership_id=member.id, pool_id=pool_id, kind=kind, level=level
        )
        try:
            async with session.begin_nested():
                session.add(enrolment)
        except IntegrityError:  # chosen twice at once: the other one is the row to change
            found = await repository.enrolment_of(session, member.id, kind)
            if found is None:
                raise
            enrolment = found
    enrolment.level = level
    enrolment.chosen_at = utcnow()
    await session.flush()
    return enrolment


# -- claims --------------------------------------------------------------------------------
def _reference() -> str:
    return "C-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


async def _pool_of_claim(session: AsyncSession, worker: Worker, kind: str) -> uuid.UUID:
    """The worker's first active pool that offers the benefit (an SMS names no pool)."""
    for member, pool in await pools_repository.memberships_of_worker(session, worker.id):
        if member.status == "active" and await repository.plan_of(session, pool.id, kind):
            return pool.id
    raise BenefitNotOffered(f"none of your pools offers a {kind} benefit")


async def file_claim(
    session: AsyncSession,
    worker: Worker,
    kind: str,
    starts_on: date | None,
    *,
    pool_id: uuid.UUID | None = None,
    evidence: str = "",
    channel: str = "api",
    now: datetime | None = None,
) -> BenefitClaim:
    """A claim from `starts_on` (today by default); refused at once, with a decision, if the
    qualifying period is not over on that day."""
    check_kind(kind)
    pool_id = pool_id or await _pool_of_claim(session, worker, kind)
    member = await _membership(session, worker, pool_id)
    pool = await session.get(Pool, pool_id)
    assert pool is not None
    plan = await _offered(session, pool_id, kind)
    enrolment = await repository.enrolment_of(session, member.id, kind)
    if enrolment is None:
        raise TierNotChosen(f"choose a tier of the {kind} benefit before claiming it")
    today = today_in(pool, now)
    starts = starts_on or today
    if starts > today or starts < today - timedelta(days=CLAIM_BACKDATE_DAYS):
        raise InvalidClaimDate(
            f"a claim starts today or in the last {CLAIM_BACKDATE_DAYS} days", field="starts_on"
        )
    cleaned = " ".join(evidence.split())
    if len(cleaned) > EVIDENCE_MAX:
        raise ValidationFailed(f"evidence is at most {EVIDENCE_MAX} characters", field="evidence")
    if plan.evidence_required and not cleaned:
        raise EvidenceRequired("say what shows the claim (a doctor's note, a clinic)")
    if await repository.open_claim(session, member.id, for_update=True) is not None:
        raise ClaimAlreadyOpen("you have an open claim; end it (BETTER) before a new one")
    tier = next(t for t in plan.tiers if t["level"] == enrolment.level)
    at = now or utcnow()
    claim = BenefitClaim(
        id=new_id(), reference=_reference(), pool_id=pool.id, membership_id=member.id,
        worker_id=worker.id, kind=kind, level=enrolment.level,
        monthly_benefit_minor=tier["benefit_minor"], currency=pool.currency,
        starts_on=starts, evidence=cleaned, channel=channel, status="pending",
        rules=rules_of(plan), history=[{"status": "pending", "at": at.isoformat(),
                                        "by": f"worker:{channel}"}],
        created_at=at, updated_at=at,
    )  # fmt: skip
    session.add(claim)
    await session.flush()
    tenure = months_between_days(member.joined_on, starts)
    if tenure < plan.qualifying_months:
        await _decide(
            session, pool, claim, worker, approved=False, reason="qualifying_period",
            by="rules", factors={"months_of_membership": tenure}, at=at,
            tell=channel != "sms",  # an SMS claim is answered by the reply itself
        )  # fmt: skip
    elif plan.approval == "members":
        await _ask_members(session, pool, claim)
    await session.flush()
    return claim


async def _ask_members(session: AsyncSession, pool: Pool, claim: BenefitClaim) -> None:
    """Every other active member is asked to approve the claim."""
    for member, other in await pools_repository.members_of_pool(session, pool.id):
        if member.status != "active" or other.id == claim.worker_id:
            continue
        await enqueue_sms(
            session, to=other.phone_e164, template="benefit.approval_ask",
            language=language_for(other, pool),
            values={"pool_name": pool.name, "reference": claim.reference},
            dedup_key=f"benefit-ask:{claim.id}:{member.id}",
        )  # fmt: skip


async def _decide(
    session: AsyncSession,
    pool: Pool,
    claim: BenefitClaim,
    worker: Worker,
    *,
    approved: bool,
    reason: str,
    by: str,
    factors: dict[str, Any],
    at: datetime,
    tell: bool = True,
) -> Decision:
    """Approve or refuse: the claim's status, its decision, and the member told."""
    member = await session.get(Membership, claim.membership_id)
    assert member is not None
    rules = claim.rules
    tenure = months_between_days(member.joined_on, claim.starts_on)
    decision_id = ids.derived_id("decision", pool.id, "benefit_claim", claim.id)
    second = {
        "qualifying_period": "qualifying_period",
        "members_declined": "members_decided",
        "members_approved": "members_decided",
    }.get(reason, "benefit_days" if approved else "claim_outside_rules")
    decision = Decision(
        id=decision_id, run_id=None, pool_id=pool.id, membership_id=claim.membership_id,
        worker_id=claim.worker_id, period=str(Period.of(claim.starts_on)), kind="benefit_claim",
        reference=ids.reference(decision_id),
        amount_minor=claim.monthly_benefit_minor if approved else 0, currency=pool.currency,
        reason=reason,
        explanation=["benefit_approved" if approved else "benefit_declined", second],
        inputs={
            "claim_id": str(claim.id), "claim_reference": claim.reference, "kind": claim.kind,
            "level": claim.level, "starts_on": claim.starts_on.isoformat(),
            "months_of_membership": tenure, "qualifying_months": rules["qualifying_months"],
            "evidence_given": bool(claim.evidence),
        },
        factors={"decided_by": by, "approval": rules["approval"], **factors},
        model_id=None, transfer_ids=[], created_at=at,
    )  # fmt: skip
    session.add(decision)
    await session.flush()
    claim.status = "approved" if approved else "refused"
    claim.decision_id = decision.id
    claim.history = [
        *claim.history,
        {"status": claim.status, "at": at.isoformat(), "by": by, "reason": reason},
    ]
    claim.updated_at = at
    language = language_for(worker, pool)
    if not tell:
        return decision
    if approved:
        await enqueue_sms(
            session, to=worker.phone_e164, template="benefit.approved", language=language,
            values={"reference": claim.reference,
                    "amount": Money(claim.monthly_benefit_minor, pool.currency)},
            dedup_key=f"benefit-decided:{claim.id}",
        )  # fmt: skip
    else:
        await enqueue_sms(
            session, to=worker.phone_e164, template="benefit.refused", language=language,
            values={"reason": reason if reason in REFUSAL_REASONS else "not_approved",
                    "reference": decision.reference},
            dedup_key=f"benefit-decided:{claim.id}",
        )  # fmt: skip
    return decision


REFUSAL_REASONS = ("qualifying_period", "not_approved", "members_declined")


async def decide_claim(
    session: AsyncSession,
    viewer: Viewer,
    actor: Actor,
    pool_id: uuid.UUID,
    claim_id: uuid.UUID,
    *,
    approve: bool,
    note: str = "",
    now: datetime | None = None,
) -> tuple[BenefitClaim, Decision]:
    """An administrator approves or refuses a pending claim (whatever the pool's approval
    rule: administrators answer for the pool when members cannot agree); audited."""
    pool = await administered_pool(session, viewer, pool_id)
    claim = await repository.claim_of_pool(session, pool.id, claim_id, for_update=True)
    if claim is None:
        raise ClaimNotFound(f"claim {claim_id} does not exist")
    if claim.status != "pending":
        raise ClaimAlreadyDecided(f"claim {claim.reference} is already {claim.status}")
    worker = await session.get(Worker, claim.worker_id)
    assert worker is not None
    at = now or utcnow()
    reason = "approved" if approve else "not_approved"
    decision = await _decide(
        session, pool, claim, worker, approved=approve, reason=reason,
        by=f"{actor.kind}:{actor.label}", factors={"note": " ".join(note.split())[:500]}, at=at,
    )  # fmt: skip
    record(
        session, actor, "benefit.claim_decided", pool_id=pool.id, target_kind="benefit_claim",
        target_id=claim.id,
        details={"claim": claim.reference, "approved": approve, "decision": decision.reference,
                 "monthly_benefit_minor": claim.monthly_benefit_minor},
        at=at,
    )  # fmt: skip
    await session.flush()
    return claim, decision


async def answer_claim(
    session: AsyncSession,
    worker: Worker,
    claim_id: uuid.UUID,
    approve: bool,
    *,
    now: datetime | None = None,
) -> BenefitClaim:
    """A member's YES or NO on another member's claim, where members approve; the last
    answer counts. The claim is decided as soon as the count settles it."""
    claim = await session.get(BenefitClaim, claim_id, populate_existing=True)
    if claim is None or claim.worker_id == worker.id:
        raise ClaimNotFound(f"claim {claim_id} does not exist")
    member = await pools_repository.membership(session, claim.pool_id, worker.id)
    if member is None or member.status != "active":
        raise ClaimNotFound(f"claim {claim_id} does not exist")
    if claim.rules.get("approval") != "members":
        raise NotForMembers(f"claim {claim.reference} is decided by the administrators")
    claim = await repository.claim_of_pool(session, claim.pool_id, claim.id, for_update=True)
    assert claim is not None
    if claim.status != "pending":
        raise ClaimAlreadyDecided(f"claim {claim.reference} is already {claim.status}")
    at = now or utcnow()
    found = await repository.approval_of(session, claim.id, member.id)
    if found is None:
        session.add(
            BenefitApproval(
                claim_id=claim.id, membership_id=member.id, worker_id=worker.id,
                approve=approve, cast_at=at,
            )
        )  # fmt: skip
    else:
        found.approve, found.cast_at = approve, at
    await session.flush()
    yes, no = await repository.approval_counts(session, claim.id)
    needed = int(claim.rules["approvals_needed"])
    others = await pools_repository.count_active_members(session, claim.pool_id) - 1
    if yes >= needed or no > others - needed:
        pool = await session.get(Pool, claim.pool_id)
        claimant = await session.get(Worker, claim.worker_id)
        assert pool is not None and claimant is not None
        approved = yes >= needed
        await _decide(
            session, pool, claim, claimant, approved=approved,
            reason="members_approved" if approved else "members_declined", by="members",
            factors={"yes": yes, "no": no, "approvals_needed": needed}, at=at,
        )  # fmt: skip
        await session.flush()
    return claim


async def end_claim(
    session: AsyncSession,
    worker: Worker,
    back_on: date | None = None,
    *,
    claim_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> BenefitClaim:
    """The member is back at work from `back_on` (today by default): only the claim's days
    before it are paid. A claim still pending keeps waiting for its decision, for those
    days; an approved one is `ended`, and the next run pays what is left of it."""
    if claim_id is not None:
        claim = await session.get(BenefitClaim, claim_id, populate_existing=True)
        if claim is None or claim.worker_id != worker.id:
            raise ClaimNotFound(f"claim {claim_id} does not exist")
    else:
        claims = [c for c in await repository.claims_of_worker(session, worker.id)
                  if c.status in ("pending", "approved")]  # fmt: skip
        if not claims:
            raise ClaimNotFound("you have no open claim")
        claim = claims[0]
    if claim.status not in ("pending", "approved"):
        raise ClaimAlreadyDecided(f"claim {claim.reference} is already {claim.status}")
    pool = await session.get(Pool, claim.pool_id)
    assert pool is not None
    back = back_on or today_in(pool, now)
    if back < claim.starts_on or back > today_in(pool, now) + timedelta(days=1):
        raise InvalidClaimDate(
            "the day back is not before the claim started, and no later than tomorrow "
            "(back the day it started: the claim pays nothing)",
            field="back_on",
        )
    at = now or utcnow()
    claim.back_on = back
    claim.history = [
        *claim.history, {"status": "ended", "at": at.isoformat(), "by": "worker",
                         "back_on": back.isoformat()},
    ]  # fmt: skip
    if claim.status == "approved":
        claim.status = "ended"
    claim.updated_at = at
    await session.flush()
    return claim


async def claims_of_worker(session: AsyncSession, worker_id: uuid.UUID) -> Sequence[BenefitClaim]:
    return await repository.claims_of_worker(session, worker_id)


async def claims_to_answer(session: AsyncSession, worker_id: uuid.UUID) -> Sequence[BenefitClaim]:
    return await repository.pending_claims_for(session, worker_id)


async def pool_claims(
    session: AsyncSession, viewer: Viewer, pool_id: uuid.UUID, status: str | None = None
) -> Sequence[BenefitClaim]:
    pool = await administered_pool(session, viewer, pool_id)
    return await repository.claims_of_pool(session, pool.id, status)


async def change_by_appeal(
    session: AsyncSession,
    decision: Decision,
    amount_minor: int,
    appeal_id: uuid.UUID,
    at: datetime,
) -> Decision:
    """An appeal changed a claim's decision: a monthly amount above zero approves the claim
    at that amount (a refused claim becomes payable, from its start), zero refuses it. No
    money moves here; each monthly run pays what the claim is owed from then on. The new
    decision names the one it replaces."""
    claim = await session.scalar(
        select(BenefitClaim).where(BenefitClaim.decision_id == decision.id).with_for_update()
    )
    if claim is None:
        raise ClaimNotFound(f"no claim was decided by {decision.reference}")
    if amount_minor == 0 and claim.paid_through is not None:
        raise ClaimAlreadyDecided(
            f"claim {claim.reference} has been paid; appeal its monthly payments instead"
        )
    replacement_id = ids.derived_id("appeal", appeal_id, "decision")
    replacement = Decision(
        id=replacement_id, run_id=None, pool_id=decision.pool_id,
        membership_id=decision.membership_id, worker_id=decision.worker_id,
        period=decision.period, kind="benefit_claim", reference=ids.reference(replacement_id),
        amount_minor=amount_minor, currency=decision.currency, reason="appeal_changed",
        explanation=["appeal_changed",
                     "benefit_approved" if amount_minor > 0 else "benefit_declined"],
        inputs=decision.inputs,
        factors={"appeal_id": str(appeal_id), "replaced_amount_minor": decision.amount_minor,
                 "replaced_reference": decision.reference},
        model_id=None, transfer_ids=[], replaces_id=decision.id, created_at=at,
    )  # fmt: skip
    session.add(replacement)
    await session.flush()
    status = "approved" if amount_minor > 0 else "refused"
    if status == "approved" and claim.back_on is not None:
        status = "ended"  # back already: the runs pay the days before
    claim.status = status
    claim.monthly_benefit_minor = amount_minor if amount_minor > 0 else claim.monthly_benefit_minor
    claim.decision_id = replacement.id
    claim.history = [
        *claim.history,
        {"status": status, "at": at.isoformat(), "by": "appeal", "appeal_id": str(appeal_id)},
    ]
    claim.updated_at = at
    return replacement
