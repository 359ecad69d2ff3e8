"""Every query of the co-op domain (pools, people, memberships, sign-in codes)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pools.models import Administrator, Membership, Pool, PoolAdministrator, SignInCode, Worker


async def worker_by_id(session: AsyncSession, worker_id: uuid.UUID) -> Worker | None:
    return await session.get(Worker, worker_id)


_WORKER_BY_PHONE = select(Worker).where(Worker.phone_e164 == bindparam("phone"))
"""Built once: every text and sign-in looks a worker up by phone."""


async def worker_by_phone(session: AsyncSession, phone_e164: str) -> Worker | None:
    return await session.scalar(_WORKER_BY_PHONE, {"phone": phone_e164})


async def admin_by_email(session: AsyncSession, email: str) -> Administrator | None:
    return await session.scalar(select(Administrator).where(Administrator.email == email))


async def admin_by_id(session: AsyncSession, admin_id: uuid.UUID) -> Administrator | None:
    return await session.get(Administrator, admin_id)


async def pool_by_id(session: AsyncSession, pool_id: uuid.UUID) -> Pool | None:
    return await session.get(Pool, pool_id)


async def pool_by_join_code(session: AsyncSession, code: str) -> Pool | None:
    return await session.scalar(select(Pool).where(Pool.join_code == code))


async def is_pool_admin(session: AsyncSession, pool_id: uuid.UUID, admin_id: uuid.UUID) -> bool:
    query = select(
        exists().where(
            and_(
                PoolAdministrator.pool_id == pool_id,
                PoolAdministrator.administrator_id == admin_id,
            )
        )
    )
    return bool(await session.scalar(query))


async def membership(
    session: AsyncSession, pool_id: uuid.UUID, worker_id: uuid.UUID, *, for_update: bool = False
) -> Membership | None:
    """The worker's membership of the pool; `for_update` locks it against a concurrent
    rejoin or leave."""
    query = select(Membership).where(
        Membership.pool_id == pool_id, Membership.worker_id == worker_id
    )
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query.execution_options(populate_existing=True))


async def memberships_of_worker(
    session: AsyncSession, worker_id: uuid.UUID
) -> Sequence[tuple[Membership, Pool]]:
    rows = await session.execute(
        select(Membership, Pool)
        .join(Pool, Pool.id == Membership.pool_id)
        .where(Membership.worker_id == worker_id)
        .order_by(Membership.joined_on, Membership.created_at)
    )
    return [(row[0], row[1]) for row in rows]


async def members_of_pool(
    session: AsyncSession, pool_id: uuid.UUID
) -> Sequence[tuple[Membership, Worker]]:
    rows = await session.execute(
        select(Membership, Worker)
        .join(Worker, Worker.id == Membership.worker_id)
        .where(Membership.pool_id == pool_id)
        .order_by(Membership.joined_on, Worker.phone_e164)
    )
    return [(row[0], row[1]) for row in rows]


async def memberships_page(
    session: AsyncSession, worker_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[tuple[Membership, Pool]]:
    """Up to `limit` of the worker's memberships after the one with id `after`, oldest
    first (ids are time-ordered UUIDv7)."""
    query = (
        select(Membership, Pool)
        .join(Pool, Pool.id == Membership.pool_id)
        .where(Membership.worker_id == worker_id)
        .order_by(Membership.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Membership.id > after)
    return [(row[0], row[1]) for row in await session.execute(query)]


async def members_page(
    session: AsyncSession, pool_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[tuple[Membership, Worker]]:
    """Up to `limit` of the pool's memberships after the one with id `after`, oldest first."""
    query = (
        select(Membership, Worker)
        .join(Worker, Worker.id == Membership.worker_id)
        .where(Membership.pool_id == pool_id)
        .order_by(Membership.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Membership.id > after)
    return [(row[0], row[1]) for row in await session.execute(query)]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def members_matching(
    session: AsyncSession, pool_id: uuid.UUID, text: str, after: uuid.UUID | None, limit: int
) -> list[tuple[Membership, Worker]]:
    """Like `members_page`, of the members whose name or phone contains `text` (any case)."""
    query = (
        select(Membership, Worker)
        .join(Worker, Worker.id == Membership.worker_id)
        .where(Membership.pool_id == pool_id)
        .where(
            or_(
                func.lower(Worker.name).like(_like(text.lower()), escape="\\"),
                Worker.phone_e164.like(_like(text.replace(" ", "")), escape="\\"),
            )
        )
        .order_by(Membership.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Membership.id > after)
    return [(row[0], row[1]) for row in await session.execute(query)]


async def member_of_pool(
    session: AsyncSession, pool_id: uuid.UUID, membership_id: uuid.UUID
) -> tuple[Membership, Worker] | None:
    row = (
        await session.execute(
            select(Membership, Worker)
            .join(Worker, Worker.id == Membership.worker_id)
            .where(Membership.pool_id == pool_id, Membership.id == membership_id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def pools_page(
    session: AsyncSession, admin_id: uuid.UUID | None, after: uuid.UUID | None, limit: int
) -> list[Pool]:
    """Up to `limit` of the pools the administrator runs (every pool, for `admin_id` None)
    after the pool `after`, by id."""
    query = select(Pool).order_by(Pool.id).limit(limit)
    if admin_id is not None:
        query = query.join(PoolAdministrator, PoolAdministrator.pool_id == Pool.id).where(
            PoolAdministrator.administrator_id == admin_id
        )
    if after is not None:
        query = query.where(Pool.id > after)
    return list(await session.scalars(query))


async def pools_of_admin(session: AsyncSession, admin_id: uuid.UUID) -> Sequence[Pool]:
    rows = await session.scalars(
        select(Pool)
        .join(PoolAdministrator, PoolAdministrator.pool_id == Pool.id)
        .where(PoolAdministrator.administrator_id == admin_id)
        .order_by(Pool.created_at)
    )
    return list(rows)


async def all_pools(session: AsyncSession) -> Sequence[Pool]:
    return list(await session.scalars(select(Pool).order_by(Pool.created_at, Pool.id)))


async def count_pools(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Pool)) or 0)


async def codes_sent_since(session: AsyncSession, phone_e164: str, since: datetime) -> int:
    query = select(func.count()).where(
        SignInCode.phone_e164 == phone_e164, SignInCode.created_at >= since
    )
    return int(await session.scalar(query) or 0)


async def oldest_code_since(
    session: AsyncSession, phone_e164: str, since: datetime
) -> datetime | None:
    """When the oldest code sent to the phone since `since` was made: the hourly cap frees a
    slot an hour after it."""
    query = select(func.min(SignInCode.created_at)).where(
        SignInCode.phone_e164 == phone_e164, SignInCode.created_at >= since
    )
    oldest: datetime | None = await session.scalar(query)
    return oldest


async def newest_code_for_update(session: AsyncSession, phone_e164: str) -> SignInCode | None:
    """The newest code sent to a phone, locked: sending a new code retires the older ones,
    and two guesses at once cannot both pass the attempt limit."""
    return await session.scalar(
        select(SignInCode)
        .where(SignInCode.phone_e164 == phone_e164)
        .order_by(SignInCode.created_at.desc(), SignInCode.id.desc())
        .limit(1)
        .with_for_update()
    )


async def members_joined_since(session: AsyncSession, pool_id: uuid.UUID, since: date) -> int:
    """Active members who joined on or after `since` (those still in a waiting period)."""
    count = await session.scalar(
        select(func.count()).where(
            Membership.pool_id == pool_id,
            Membership.status == "active",
            Membership.joined_on >= since,
        )
    )
    return int(count or 0)


async def count_active_members(session: AsyncSession, pool_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count()).where(Membership.pool_id == pool_id, Membership.status == "active")
    )
    return int(count or 0)
