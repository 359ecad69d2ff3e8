"""Filing an appeal and listing a pool's queue; the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from appeals import repository
from appeals.models import APPEAL_TEXT_MAX, Appeal
from core.clock import utcnow
from core.errors import ValidationFailed
from pools.models import Worker
from pools.service import administered_pool
from pools.viewer import Viewer
from runs import repository as runs_repository
from runs.errors import DecisionNotFound

APPEAL_DAYS = 14
"""Days the co-op gives itself to answer an appeal; the worker is told this number."""

APPEAL_WINDOW_DAYS = 60
"""How long after a decision its member may appeal it."""

Channel = Literal["sms", "ussd", "api", "web"]


class AppealWindowClosed(ValidationFailed):
    slug = "appeal-window-closed"
    title = "The time to appeal this decision is over"


def clean_text(text: str) -> str:
    """The reason with its whitespace tidied; longer than `APPEAL_TEXT_MAX` is refused."""
    cleaned = " ".join(text.split())
    if len(cleaned) > APPEAL_TEXT_MAX:
        raise ValidationFailed(
            f"an appeal's reason is at most {APPEAL_TEXT_MAX} characters", field="text"
        )
    return cleaned


async def file_appeal(
    session: AsyncSession,
    worker: Worker,
    decision_id: uuid.UUID,
    text: str,
    channel: Channel,
    *,
    now: datetime | None = None,
) -> tuple[Appeal, bool]:
    """Appeal one of the worker's decisions; (the appeal, whether it is new).

    Another worker's decision is as absent as one that never existed. Appealing a decision
    again (a retried SMS, the web after an SMS) answers with the appeal already filed and
    changes nothing, so a worker cannot push the deadline out by appealing twice.
    """
    reason = clean_text(text)
    decision = await runs_repository.decision_of(session, worker.id, decision_id)
    if decision is None:
        raise DecisionNotFound(f"decision {decision_id} does not exist")
    existing = await repository.appeal_for_decision(session, decision.id)
    if existing is not None:
        return existing, False
    at = now or utcnow()
    if at - decision.created_at > timedelta(days=APPEAL_WINDOW_DAYS):
        raise AppealWindowClosed(
            f"decision {decision.reference} was made on {decision.created_at.date()}; "
            f"decisions can be appealed for {APPEAL_WINDOW_DAYS} days"
        )
    appeal = Appeal(
        decision_id=decision.id,
        worker_id=worker.id,
        membership_id=decision.membership_id,
        pool_id=decision.pool_id,
        reference=decision.reference,
        text=reason,
        channel=channel,
        status="open",
        history=[{"status": "open", "at": at.isoformat(), "by": f"worker:{channel}"}],
        deadline_at=at + timedelta(days=APPEAL_DAYS),
        created_at=at,
        updated_at=at,
    )
    try:
        async with session.begin_nested():
            session.add(appeal)
    except IntegrityError:  # the same decision appealed twice at once: the other one won
        existing = await repository.appeal_for_decision(session, decision.id)
        if existing is None:
            raise
        return existing, False
    return appeal, True


async def pool_appeals_page(
    session: AsyncSession,
    viewer: Viewer,
    pool_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[Appeal]:
    """The queue of the pool's appeals, for its administrators (others get 404/403)."""
    pool = await administered_pool(session, viewer, pool_id)
    return await repository.appeals_page(session, pool.id, after, limit)
