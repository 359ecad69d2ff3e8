"""An appeal of one money decision, and the path it took.

`history` keeps every status the appeal had, with when and by whom, so a later review step
(upheld, rejected, with a corrective decision) extends the appeal without a new table.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.clock import utcnow
from core.ids import new_id

APPEAL_STATUSES = ("open", "upheld", "changed", "rejected", "withdrawn")
"""`upheld`: an administrator found the decision right and it stands; `changed`: it was
replaced by a corrected decision (`appeals.review`)."""
APPEAL_CHANNELS = ("sms", "ussd", "api", "web")
APPEAL_TEXT_MAX = 1000
"""Longest reason kept; a concatenated SMS carries about 1,500 characters at most."""


class Appeal(Base):
    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'upheld', 'changed', 'rejected', 'withdrawn')", name="status"
        ),
        CheckConstraint("channel IN ('sms', 'ussd', 'api', 'web')", name="channel"),
        Index("ix_appeals_pool_id_created_at", "pool_id", "created_at"),
        Index("ix_appeals_worker_id", "worker_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id"), unique=True)
    """One appeal per decision: appealing again finds the appeal already open."""
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workers.id"))
    membership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("memberships.id"))
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"))
    reference: Mapped[str] = mapped_column(String(12))
    """The appealed decision's reference (`D-7KQ2M9XA`), as the worker knows it."""
    text: Mapped[str] = mapped_column(Text, default="")
    """The worker's reason, in their words (may be empty: `APPEAL D-7KQ2M9XA`)."""
    channel: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open")
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Every status with its time and actor: `[{"status": "open", "at": ..., "by": ...}]`."""
    deadline_at: Mapped[datetime] = mapped_column()
    """When the co-op promised an answer (`appeal.received` tells the worker the days)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
