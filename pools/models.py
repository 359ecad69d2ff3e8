"""Tables of the co-op domain: workers, administrators, pools, memberships, sign-in codes.

Rates are integer basis points and money is integer minor units, so a rule reads the same
after a round trip through either database and never picks up float noise.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.base import Base
from core.clock import utcnow
from core.ids import new_id

POOL_NAME_MAX = 60
"""Longest pool name; SMS templates are budgeted for a name this long."""

MEMBERSHIP_STATUSES = ("active", "suspended", "left")
ADMIN_ROLES = ("operator", "admin")


class Worker(Base):
    """An independent worker, known by the phone number they sign in with."""

    __tablename__ = "workers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    phone_e164: Mapped[str] = mapped_column(String(16), unique=True)
    """E.164 form (+15551234567), normalised by `phonenumbers` before it is stored."""
    name: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(16))
    """BCP-47 tag the worker chose; None means "not chosen yet" and falls back by phone."""
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    sms_opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    """Set by STOP; checked before every SMS send."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Administrator(Base):
    """A co-op administrator; `operator`s run the service and may see every pool."""

    __tablename__ = "administrators"
    __table_args__ = (CheckConstraint("role IN ('operator', 'admin')", name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    """Lower-cased at the edge so sign-in is case-insensitive."""
    password_hash: Mapped[str] = mapped_column(String(255))
    """argon2id hash; the password itself is never stored."""
    role: Mapped[str] = mapped_column(String(16), default="admin")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Pool(Base):
    """A cooperative pool and its rules, each rule a typed column with a documented default."""

    __tablename__ = "pools"
    __table_args__ = (
        CheckConstraint("contribution_rate_bp BETWEEN 0 AND 10000", name="contribution_rate"),
        CheckConstraint("replacement_rate_bp BETWEEN 0 AND 10000", name="replacement_rate"),
        CheckConstraint(
            "min_contribution_minor >= 0 AND max_contribution_minor >= min_contribution_minor",
            name="contribution_bounds",
        ),
        CheckConstraint("deductible_bp BETWEEN 0 AND 10000", name="deductible"),
        CheckConstraint("monthly_payout_cap_minor >= 0", name="payout_cap"),
        CheckConstraint("max_payout_months_per_12 BETWEEN 0 AND 12", name="max_payout_months"),
        CheckConstraint("waiting_period_months BETWEEN 0 AND 36", name="waiting_period"),
        CheckConstraint("target_ruin_bp BETWEEN 1 AND 5000", name="target_ruin"),
        CheckConstraint("income_cutoff_day BETWEEN 1 AND 28", name="income_cutoff_day"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(POOL_NAME_MAX))
    currency: Mapped[str] = mapped_column(String(3))
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    """Periods (calendar months) are counted in this zone."""
    default_language: Mapped[str] = mapped_column(String(16), default="en")
    contribution_rate_bp: Mapped[int] = mapped_column(Integer)
    """Share of a member's monthly income contributed to group benefits, in basis points."""
    min_contribution_minor: Mapped[int] = mapped_column(BigInteger)
    """Smallest monthly contribution (minor units) from an active member with income."""
    max_contribution_minor: Mapped[int] = mapped_column(BigInteger)
    """Largest monthly contribution (minor units), so high earners are not overcharged."""
    replacement_rate_bp: Mapped[int] = mapped_column(Integer)
    """Share of the shortfall below baseline that a smoothing payout replaces."""
    deductible_bp: Mapped[int] = mapped_column(Integer)
    """Share of the member's baseline they carry before any payout, in basis points: a share,
    not an amount, so the deductible weighs the same on a low and a high earner."""
    monthly_payout_cap_minor: Mapped[int] = mapped_column(BigInteger)
    """Largest smoothing payout in one month."""
    max_payout_months_per_12: Mapped[int] = mapped_column(Integer)
    """Months with a payout allowed in any rolling 12 months."""
    waiting_period_months: Mapped[int] = mapped_column(Integer)
    """Months of membership before the first payout."""
    target_ruin_bp: Mapped[int] = mapped_column(Integer)
    """Tolerated probability that the reserve runs out within 12 months, in basis points."""
    income_cutoff_day: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    vote_quorum_bp: Mapped[int] = mapped_column(Integer, default=3000, server_default="3000")
    """Share of active members who must vote for a rule change to count (30% by default)."""
    vote_majority_bp: Mapped[int] = mapped_column(Integer, default=5000, server_default="5000")
    """A change passes with more than this share of the votes cast as YES."""
    vote_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    """How long a vote stays open."""
    """Day of the next month (in the pool's zone) until which income for a month counts;
    the month's run starts once that day is over. Up to 28 so every month has it."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    administrators: Mapped[list[Administrator]] = relationship(
        secondary="pool_administrators", lazy="raise"
    )


class PoolAdministrator(Base):
    __tablename__ = "pool_administrators"

    pool_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pools.id", ondelete="CASCADE"), primary_key=True
    )
    administrator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("administrators.id", ondelete="CASCADE"), primary_key=True
    )


class Membership(Base):
    """A worker's membership of a pool; leaving keeps the row so history stays explainable."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("pool_id", "worker_id"),
        CheckConstraint("status IN ('active', 'suspended', 'left')", name="status"),
        Index("ix_memberships_worker_id", "worker_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"))
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workers.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignInCode(Base):
    """A one-time sign-in code sent by SMS; only its keyed hash is kept."""

    __tablename__ = "sign_in_codes"
    __table_args__ = (Index("ix_sign_in_codes_phone_created", "phone_e164", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    phone_e164: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[datetime | None] = mapped_column()


class RuleChange(Base):
    """Rules a pool adopted (by vote) that take effect from a period: the first monthly run
    of that period, or of a later one, applies them before it closes income."""

    __tablename__ = "rule_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"), index=True)
    applies_from: Mapped[str] = mapped_column(String(7))
    changes: Mapped[dict[str, int]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(64))
    """What adopted it (`proposal:P-4KQ2`)."""
    applied_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
