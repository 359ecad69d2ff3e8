"""A pool's benefits (sick leave, and by the pool's rule parental leave or injury), the tier
each member chose, the claims, and the members' approvals of claims.

Money is integer minor units of the pool's currency. A claim keeps the monthly benefit of
the member's tier when it was made, so a later change of the tiers (by vote) never changes
a claim already under way.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.clock import utcnow
from core.ids import new_id

BENEFIT_KINDS = ("sick", "parental", "injury")
APPROVAL_RULES = ("administrator", "members")
CLAIM_STATUSES = ("pending", "approved", "refused", "ended", "exhausted")
"""`pending`: waiting for an administrator or the members; `approved`: paid by each monthly
run; `ended`: the member is back (BETTER), the run still pays the days before; `exhausted`:
the maximum duration was paid; `refused`: never paid."""
OPEN_STATUSES = ("pending", "approved")
PAYABLE_STATUSES = ("approved", "ended")
CLAIM_CHANNELS = ("sms", "api", "web")
EVIDENCE_MAX = 1000

_KIND_SQL = ", ".join(f"'{k}'" for k in BENEFIT_KINDS)
_STATUS_SQL = ", ".join(f"'{s}'" for s in CLAIM_STATUSES)


class BenefitPlan(Base):
    """One benefit a pool offers, with its rules and tiers."""

    __tablename__ = "benefit_plans"
    __table_args__ = (
        UniqueConstraint("pool_id", "kind"),
        CheckConstraint(f"kind IN ({_KIND_SQL})", name="kind"),
        CheckConstraint("approval IN ('administrator', 'members')", name="approval"),
        CheckConstraint("qualifying_months BETWEEN 0 AND 60", name="qualifying_months"),
        CheckConstraint("waiting_days BETWEEN 0 AND 365", name="waiting_days"),
        CheckConstraint("max_months BETWEEN 1 AND 60", name="max_months"),
        CheckConstraint("approvals_needed BETWEEN 0 AND 50", name="approvals_needed"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"))
    kind: Mapped[str] = mapped_column(String(16))
    tiers: Mapped[list[dict[str, int]]] = mapped_column(JSON)
    """`[{"level": 1, "benefit_minor": 80000, "contribution_minor": 2500}, ...]`: the monthly
    benefit of each tier and the monthly contribution that buys it, rising together."""
    qualifying_months: Mapped[int] = mapped_column(Integer, default=6)
    """Whole months of membership before a claim may start."""
    waiting_days: Mapped[int] = mapped_column(Integer, default=30)
    """Days after the claim starts that are not paid."""
    max_months: Mapped[int] = mapped_column(Integer, default=24)
    """Longest a claim is paid, counted from its first paid day."""
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False)
    """A claim must say what shows it (a doctor's note's number, a clinic's name)."""
    approval: Mapped[str] = mapped_column(String(16), default="administrator")
    """Who approves a claim: an `administrator`, or `members` (bread-fund style)."""
    approvals_needed: Mapped[int] = mapped_column(Integer, default=0)
    """With `members` approval: how many members' YES approve a claim."""
    waive_contributions: Mapped[bool] = mapped_column(Boolean, default=True)
    """Members paid this benefit in a month pay no contribution for it."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BenefitEnrolment(Base):
    """The tier a member chose for one of the pool's benefits."""

    __tablename__ = "benefit_enrolments"
    __table_args__ = (UniqueConstraint("membership_id", "kind"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    membership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("memberships.id"))
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)
    chosen_at: Mapped[datetime] = mapped_column(default=utcnow)


class BenefitClaim(Base):
    """A member's claim of a benefit from a date, until they are back or the maximum."""

    __tablename__ = "benefit_claims"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_SQL})", name="status"),
        CheckConstraint("channel IN ('sms', 'api', 'web')", name="channel"),
        CheckConstraint("monthly_benefit_minor >= 0", name="monthly_benefit"),
        Index("ix_benefit_claims_pool_id_status", "pool_id", "status"),
        Index("ix_benefit_claims_worker_id", "worker_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    """What members text and read (`C-4KQ2M9`)."""
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"))
    membership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("memberships.id"))
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)
    monthly_benefit_minor: Mapped[int] = mapped_column(BigInteger)
    """The tier's monthly benefit when the claim was made; a month with fewer days on
    benefit is paid its share by days."""
    currency: Mapped[str] = mapped_column(String(3))
    starts_on: Mapped[date] = mapped_column(Date)
    """First day the member could not work."""
    back_on: Mapped[date | None] = mapped_column(Date)
    """First day back at work (BETTER); the claim covers the days before it."""
    evidence: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The plan's rules the claim is judged by (waiting days, maximum, approval), as made."""
    paid_through: Mapped[date | None] = mapped_column(Date)
    """Last day a monthly run has paid; the next run pays from the day after."""
    decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decisions.id"))
    """The decision that approved or refused the claim (the one a member appeals)."""
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BenefitApproval(Base):
    """One member's YES or NO on another member's claim; the last answer counts."""

    __tablename__ = "benefit_approvals"
    __table_args__ = (UniqueConstraint("claim_id", "membership_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefit_claims.id"))
    membership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("memberships.id"))
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workers.id"))
    approve: Mapped[bool] = mapped_column(Boolean)
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)
