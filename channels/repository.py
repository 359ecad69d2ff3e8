"""Every query the channels run."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.models import ConversationState, InboundMessage
from pools.ledger_models import LedgerAccount, LedgerTransfer
from pools.models import Membership, Pool
from runs.models import Decision

PAID_REASONS = ("contribution", "catchup", "arrears_settled")
"""Transfer reasons that move a member's money into the pool's reserve."""


async def inbound(session: AsyncSession, gateway: str, message_id: str) -> InboundMessage | None:
    return await session.scalar(
        select(InboundMessage).where(
            InboundMessage.gateway == gateway, InboundMessage.message_id == message_id
        )
    )


async def state_of(session: AsyncSession, phone: str, now: datetime) -> ConversationState | None:
    """The phone's exchange under way, unless it has expired."""
    state = await session.get(ConversationState, phone)
    if state is None or state.expires_at <= now:
        return None
    return state


async def save_state(
    session: AsyncSession, phone: str, flow: str, data: dict[str, Any], expires_at: datetime
) -> None:
    state = await session.get(ConversationState, phone)
    if state is None:
        session.add(
            ConversationState(
                phone_e164=phone, flow=flow, data=data, expires_at=expires_at, updated_at=func.now()
            )
        )
    else:
        state.flow, state.data, state.expires_at = flow, dict(data), expires_at
    await session.flush()


async def clear_state(session: AsyncSession, phone: str) -> None:
    await session.execute(delete(ConversationState).where(ConversationState.phone_e164 == phone))


async def active_pools(session: AsyncSession, worker_id: uuid.UUID) -> Sequence[Pool]:
    """The pools the worker is an active member of, oldest membership first."""
    rows = await session.scalars(
        select(Pool)
        .join(Membership, Membership.pool_id == Pool.id)
        .where(Membership.worker_id == worker_id, Membership.status == "active")
        .order_by(Membership.created_at, Membership.id)
    )
    return list(rows)


async def contributions_paid(
    session: AsyncSession, worker_id: uuid.UUID, pool_id: uuid.UUID
) -> int:
    """Everything the member has paid the pool from their savings, in minor units."""
    savings = (
        select(LedgerAccount.id)
        .where(
            LedgerAccount.worker_id == worker_id,
            LedgerAccount.pool_id == pool_id,
            LedgerAccount.kind == "member_savings",
        )
        .scalar_subquery()
    )
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerTransfer.amount_minor), 0)).where(
            LedgerTransfer.debit_account_id == savings, LedgerTransfer.reason.in_(PAID_REASONS)
        )
    )
    return int(total or 0)


async def decision_by_reference(
    session: AsyncSession, worker_id: uuid.UUID, reference: str
) -> Decision | None:
    """The worker's decision with the reference they texted (`APPEAL D-7KQ2M9XA`)."""
    return await session.scalar(
        select(Decision)
        .where(Decision.worker_id == worker_id, Decision.reference == reference.upper())
        .limit(1)
    )
