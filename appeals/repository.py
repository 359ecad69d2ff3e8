"""Every query appeals run."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appeals.models import Appeal


async def appeal_for_decision(session: AsyncSession, decision_id: uuid.UUID) -> Appeal | None:
    return await session.scalar(select(Appeal).where(Appeal.decision_id == decision_id))


async def appeals_page(
    session: AsyncSession, pool_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> Sequence[Appeal]:
    """A pool's appeals, oldest first (a queue is worked from its head); ids are
    time-ordered, so the id alone is a stable cursor."""
    query = select(Appeal).where(Appeal.pool_id == pool_id)
    if after is not None:
        query = query.where(Appeal.id > after)
    return list(await session.scalars(query.order_by(Appeal.id).limit(limit)))


async def appeals_of_worker(session: AsyncSession, worker_id: uuid.UUID) -> Sequence[Appeal]:
    """Every appeal the worker filed, oldest first (for the export of their data)."""
    query = select(Appeal).where(Appeal.worker_id == worker_id).order_by(Appeal.id)
    return list(await session.scalars(query))
