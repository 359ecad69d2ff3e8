"""The benefits at the API's edge: what callers send and what they read."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from benefits.models import EVIDENCE_MAX, BenefitClaim, BenefitEnrolment, BenefitPlan
from core.money import MAX_MINOR

Kind = Literal["sick", "parental", "injury"]
_NO_CONTROLS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


class _Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class TierIn(_Strict):
    benefit_minor: Annotated[int, msgspec.Meta(ge=1, le=MAX_MINOR)]
    """The monthly benefit of the tier, in minor units."""
    contribution_minor: Annotated[int, msgspec.Meta(ge=0, le=MAX_MINOR)]
    """What a member of the tier pays each month for it, on top of their share of income."""


class BenefitRulesIn(_Strict):
    """The benefit's rules; those left out keep their value (or the default, for a new one)."""

    tiers: Annotated[list[TierIn], msgspec.Meta(min_length=1, max_length=6)] | None = None
    qualifying_months: Annotated[int, msgspec.Meta(ge=0, le=60)] | None = None
    waiting_days: Annotated[int, msgspec.Meta(ge=0, le=365)] | None = None
    max_months: Annotated[int, msgspec.Meta(ge=1, le=60)] | None = None
    evidence_required: bool | None = None
    approval: Literal["administrator", "members"] | None = None
    approvals_needed: Annotated[int, msgspec.Meta(ge=0, le=50)] | None = None
    waive_contributions: bool | None = None

    def given(self) -> dict[str, Any]:
        out = {k: v for k, v in msgspec.structs.asdict(self).items() if v is not None}
        if self.tiers is not None:
            out["tiers"] = [msgspec.structs.asdict(t) for t in self.tiers]
        return out


class TierChoiceIn(_Strict):
    level: Annotated[int, msgspec.Meta(ge=1, le=6)]


class ClaimIn(_Strict):
    kind: Kind = "sick"
    starts_on: date | None = None
    """The first day the member could not work; today (in the pool's zone) by default."""
    pool_id: uuid.UUID | None = None
    """The pool to claim from; by default the worker's first pool that offers the benefit."""
    evidence: Annotated[str, msgspec.Meta(max_length=EVIDENCE_MAX, pattern=_NO_CONTROLS)] = ""


class ClaimEndIn(_Strict):
    back_on: date | None = None
    """The first day back at work; today by default."""


class ClaimDecisionIn(_Strict):
    outcome: Literal["approved", "refused"]
    note: Annotated[str, msgspec.Meta(max_length=500, pattern=_NO_CONTROLS)] = ""


class ApprovalIn(_Strict):
    approve: bool


class TierOut(msgspec.Struct, kw_only=True):
    level: int
    benefit_minor: int
    contribution_minor: int


class BenefitPlanOut(msgspec.Struct, kw_only=True):
    pool_id: uuid.UUID
    kind: str
    currency: str
    tiers: list[TierOut]
    qualifying_months: int
    waiting_days: int
    max_months: int
    evidence_required: bool
    approval: str
    approvals_needed: int
    waive_contributions: bool
    my_level: int | None = None
    """The tier the signed-in member chose (members' view only)."""


class EnrolmentOut(msgspec.Struct, kw_only=True):
    pool_id: uuid.UUID
    kind: str
    level: int
    chosen_at: datetime


class ClaimOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    pool_id: uuid.UUID
    kind: str
    level: int
    monthly_benefit_minor: int
    currency: str
    starts_on: date
    back_on: date | None
    status: str
    paid_through: date | None
    decision_id: uuid.UUID | None
    """The decision that approved or refused it: explained and appealed like any other."""
    evidence: str
    history: list[dict[str, Any]]
    created_at: datetime


class ClaimToAnswerOut(msgspec.Struct, kw_only=True):
    """Another member's claim as the members who approve it see it."""

    id: uuid.UUID
    reference: str
    pool_id: uuid.UUID
    kind: str
    starts_on: date
    evidence: str
    status: str
    created_at: datetime


class ClaimDecidedOut(msgspec.Struct, kw_only=True):
    claim: ClaimOut
    decision_id: uuid.UUID
    decision_reference: str


def plan_out(plan: BenefitPlan, currency: str, my_level: int | None = None) -> BenefitPlanOut:
    return BenefitPlanOut(
        pool_id=plan.pool_id, kind=plan.kind, currency=currency,
        tiers=[TierOut(**tier) for tier in plan.tiers],
        qualifying_months=plan.qualifying_months, waiting_days=plan.waiting_days,
        max_months=plan.max_months, evidence_required=plan.evidence_required,
        approval=plan.approval, approvals_needed=plan.approvals_needed,
        waive_contributions=plan.waive_contributions, my_level=my_level,
    )  # fmt: skip


def enrolment_out(enrolment: BenefitEnrolment) -> EnrolmentOut:
    return EnrolmentOut(
        pool_id=enrolment.pool_id, kind=enrolment.kind, level=enrolment.level,
        chosen_at=enrolment.chosen_at,
    )  # fmt: skip


def claim_out(claim: BenefitClaim) -> ClaimOut:
    return ClaimOut(
        id=claim.id, reference=claim.reference, pool_id=claim.pool_id, kind=claim.kind,
        level=claim.level, monthly_benefit_minor=claim.monthly_benefit_minor,
        currency=claim.currency, starts_on=claim.starts_on, back_on=claim.back_on,
        status=claim.status, paid_through=claim.paid_through, decision_id=claim.decision_id,
        evidence=claim.evidence, history=claim.history, created_at=claim.created_at,
    )  # fmt: skip


def claim_to_answer_out(claim: BenefitClaim) -> ClaimToAnswerOut:
    return ClaimToAnswerOut(
        id=claim.id, reference=claim.reference, pool_id=claim.pool_id, kind=claim.kind,
        starts_on=claim.starts_on, evidence=claim.evidence, status=claim.status,
        created_at=claim.created_at,
    )  # fmt: skip
