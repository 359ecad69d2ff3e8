"""One row per administrator action; never updated, never deleted."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.clock import utcnow
from core.ids import new_id


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_pool_id_at", "pool_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    pool_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pools.id"))
    actor_kind: Mapped[str] = mapped_column(String(16))
    """`administrator`, or `system` for what the service does by its own rules."""
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_label: Mapped[str] = mapped_column(String(254))
    """The administrator's email at the time: the entry reads the same after a rename."""
    action: Mapped[str] = mapped_column(String(48))
    target_kind: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    client_address: Mapped[str | None] = mapped_column(String(64))
    """Where the request came from, as `api.client_address` sees it behind trusted proxies."""
