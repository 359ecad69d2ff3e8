"""Proposals and the votes on them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.clock import utcnow
from core.ids import new_id

PROPOSAL_STATUSES = ("open", "accepted", "rejected", "no_quorum")
VOTE_CHOICES = ("yes", "no")


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'accepted', 'rejected', 'no_quorum')", name="status"),
        Index("ix_proposals_pool_id_status", "pool_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"))
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    """What members text to vote (`VOTE P-4KQ2 YES`)."""
    proposed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("administrators.id"))
    source: Mapped[str] = mapped_column(String(16))
    """`administrator`, or `recommendation` (the run's solved rate, taken in one step)."""
    changes: Mapped[dict[str, int]] = mapped_column(JSON)
    before: Mapped[dict[str, int]] = mapped_column(JSON)
    effect: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The engine's figures before and after, on the members of `effect["period"]`'s run;
    null when the pool has no run to price on yet."""
    status: Mapped[str] = mapped_column(String(16), default="open")
    opens_at: Mapped[datetime] = mapped_column(default=utcnow)
    closes_at: Mapped[datetime] = mapped_column()
    quorum_bp: Mapped[int] = mapped_column(Integer)
    majority_bp: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[int | None] = mapped_column(Integer)
    """Active members when the vote closed (the quorum's base)."""
    yes_votes: Mapped[int | None] = mapped_column(Integer)
    no_votes: Mapped[int | None] = mapped_column(Integer)
    applies_from: Mapped[str | None] = mapped_column(String(7))
    closed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vote(Base):
    """One member's vote on one proposal; voting again replaces it (the last vote counts)."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("proposal_id", "membership_id"),
        CheckConstraint("choice IN ('yes', 'no')", name="choice"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposals.id"))
    membership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("memberships.id"))
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workers.id"))
    choice: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(8))
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    """How many times the member changed their vote."""
