"""Every query the channels run."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, delete, func, insert, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.models import ConversationState, InboundMessage
from core.ids import new_id
from pools.ledger_models import LedgerAccount, LedgerTransfer
from pools.models import Membership, Pool
from runs.models import Decision

PAID_REASONS = ("contribution", "catchup", "arrears_settled")
"""Transfer reasons that move a member's money into the pool's reserve."""


# The statements every text runs are built once: building one costs more than running it.
_INBOUND_TABLE = cast(Table, InboundMessage.__table__)
_INBOUND = select(_INBOUND_TABLE.c.reply).where(
    _INBOUND_TABLE.c.gateway == bindparam("gateway"),
    _INBOUND_TABLE.c.message_id == bindparam("message_id"),
)
_STATE = select(ConversationState).where(ConversationState.phone_e164 == bindparam("phone"))
_ACTIVE_POOLS = (
    select(Pool)
    .join(Membership, Membership.pool_id == Pool.id)
    .where(Membership.worker_id == bindparam("worker_id"), Membership.status == "active")
    .order_by(Membership.created_at, Membership.id)
)
_PAID = (
    select(func.coalesce(func.sum(LedgerTransfer.amount_minor), 0))
    .where(
        LedgerTransfer.debit_account_id == LedgerAccount.id,
        # Constants in the SQL: an expanding IN list is re-rendered on every execution.
        or_(*(LedgerTransfer.reason == literal_column(f"'{reason}'") for reason in PAID_REASONS)),
    )
    .correlate(LedgerAccount)
    .scalar_subquery()
)
_BALANCES = select(
    LedgerAccount.kind,
    LedgerAccount.credits_posted_minor - LedgerAccount.debits_posted_minor,
    case((LedgerAccount.kind == "member_savings", _PAID), else_=0),
).where(
    LedgerAccount.worker_id == bindparam("worker_id"),
    LedgerAccount.pool_id == bindparam("pool_id"),
)


@dataclass(frozen=True, slots=True)
class Seen:
    """A message handled before, and what it was answered (None: nothing)."""

    reply: str | None


_RECORD = insert(_INBOUND_TABLE)
"""A plain insert into the table: the ORM's unit of work costs more than the write."""


async def record_inbound(
    session: AsyncSession,
    gateway: str,
    message_id: str,
    phone: str,
    command: str,
    reply: str | None,
    now: datetime,
) -> None:
    """The message handled, with its reply; a second record of it breaks the unique key."""
    await session.execute(
        _RECORD,
        {
            "id": new_id(),
            "gateway": gateway,
            "message_id": message_id,
            "phone_e164": phone,
            "command": command,
            "reply": reply,
            "created_at": now,
        },
    )


async def inbound(session: AsyncSession, gateway: str, message_id: str) -> Seen | None:
    """The message's first handling, if it had one: a gateway's retry is answered from it."""
    row = (await session.execute(_INBOUND, {"gateway": gateway, "message_id": message_id})).first()
    return None if row is None else Seen(row.reply)


async def state_of(session: AsyncSession, phone: str, now: datetime) -> ConversationState | None:
    """The phone's exchange under way, unless it has expired."""
    state = await session.scalar(_STATE, {"phone": phone})
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
    return list(await session.scalars(_ACTIVE_POOLS, {"worker_id": worker_id}))


async def balances(
    session: AsyncSession, worker_id: uuid.UUID, pool_id: uuid.UUID
) -> tuple[dict[str, int], int]:
    """The member's balances by account kind, and everything they have paid the pool from
    their savings (transfers with a `PAID_REASONS` reason), in minor units, in one read."""
    held: dict[str, int] = {}
    paid = 0
    for kind, balance, paid_from in await session.execute(
        _BALANCES, {"worker_id": worker_id, "pool_id": pool_id}
    ):
        held[kind] = int(balance)
        paid += int(paid_from or 0)
    return held, paid


async def decision_by_reference(
    session: AsyncSession, worker_id: uuid.UUID, reference: str
) -> Decision | None:
    """The worker's decision with the reference they texted (`APPEAL D-7KQ2M9XA`)."""
    return await session.scalar(
        select(Decision)
        .where(Decision.worker_id == worker_id, Decision.reference == reference.upper())
        .limit(1)
    )
