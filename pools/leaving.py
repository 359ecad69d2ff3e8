"""Leaving a pool, and what becomes of the member's money.

What a member who leaves can count on, decided as such a member would expect:
- Savings stay theirs. Leaving moves no money: the savings account stays open with its
  balance, listed in the worker's ledger and withdrawable as before.
- Contributions already owed for months of membership stay owed: the member's
  `member_arrears` account keeps its balance, and it is not taken out of their savings
  without them. Nothing is charged, and nothing is paid out, for the month they leave in or
  any later month (the monthly run counts active members only).
- Leaving is always possible, a suspended membership included, and leaving twice is
  harmless. The membership row stays (status `left`, `left_on`), so past decisions remain
  explainable; joining again with the pool's code makes an active member again.
- The member is told by SMS, in their language, so a leave they did not ask for (a lost
  phone, a shared browser) does not go unnoticed.

Settling arrears on leaving, should a co-op want it, belongs in `leave_pool`, inside the
same transaction.
"""

from __future__ import annotations

import uuid
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.errors import NotFound
from i18n import choose_language
from notifications.outbox import enqueue_sms
from pools import repository
from pools.models import Membership, Pool, Worker


async def leave_pool(
    session: AsyncSession, worker: Worker, membership_id: uuid.UUID, *, today: date | None = None
) -> tuple[Membership, Pool]:
    """End the worker's membership `membership_id` (404 if it is not theirs) and say so."""
    found = [
        (member, pool)
        for member, pool in await repository.memberships_of_worker(session, worker.id)
        if member.id == membership_id
    ]
    if not found:  # another worker's membership is as absent as one that never existed
        raise NotFound("no such membership", membership_id=str(membership_id))
    [(member, pool)] = found
    if member.status == "left":
        return member, pool
    member.status = "left"
    member.left_on = today or utcnow().astimezone(ZoneInfo(pool.timezone)).date()
    await session.flush()
    await enqueue_sms(
        session,
        to=worker.phone_e164,
        template="pool.left",
        language=choose_language(
            chosen=worker.language,
            accept_language=None,
            phone_e164=worker.phone_e164,
            pool_default=pool.default_language,
        ),
        values={"pool_name": pool.name},
        dedup_key=f"left:{member.id}:{member.left_on.isoformat()}",
    )
    return member, pool
