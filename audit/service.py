"""Writing an entry beside each action, and reading a pool's log page by page."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from audit.models import AuditEvent
from core.clock import utcnow

AUDIT_ACTIONS = (
    "pool.created",
    "pool.administrator_granted",
    "run.started",
    "appeal.decided",
    "proposal.created",
    "proposal.closed",
    "rules.changed",
    "benefit.rules_set",
    "benefit.claim_decided",
)
"""What the log records; each entry's `details` says what changed."""


@dataclass(frozen=True)
class Actor:
    kind: str
    id: uuid.UUID | None
    label: str
    address: str | None = None

    @classmethod
    def administrator(cls, admin_id: uuid.UUID, email: str, address: str | None) -> Actor:
        return cls("administrator", admin_id, email, address)

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls("system", None, what)


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    pool_id: uuid.UUID | None,
    target_kind: str | None = None,
    target_id: object = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add the entry to the caller's transaction: it commits (or not) with the action."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        at=at or utcnow(), pool_id=pool_id, actor_kind=actor.kind, actor_id=actor.id,
        actor_label=actor.label[:254], action=action, target_kind=target_kind,
        target_id=None if target_id is None else str(target_id)[:64],
        details=details or {}, client_address=(actor.address or None),
    )  # fmt: skip
    session.add(event)
    return event


async def audit_page(
    session: AsyncSession, pool_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> Sequence[AuditEvent]:
    """Newest first; `after` is the (at, id) of the last entry of the previous page."""
    query = select(AuditEvent).where(AuditEvent.pool_id == pool_id)
    if after is not None:
        at, last = after
        query = query.where((AuditEvent.at < at) | ((AuditEvent.at == at) & (AuditEvent.id < last)))
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    return (await session.scalars(query)).all()
