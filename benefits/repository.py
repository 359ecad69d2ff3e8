"""Every query of the benefits domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from benefits.models import (
    OPEN_STATUSES,
    PAYABLE_STATUSES,
    BenefitApproval,
    BenefitClaim,
    BenefitEnrolment,
    BenefitPlan,
)
from pools.models import Membership


async def plan_of(
    session: AsyncSession, pool_id: uuid.UUID, kind: str, *, for_update: bool = False
) -> BenefitPlan | None:
    query = select(BenefitPlan).where(BenefitPlan.pool_id == pool_id, BenefitPlan.kind == kind)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def plans_of(session: AsyncSession, pool_id: uuid.UUID) -> Sequence[BenefitPlan]:
    query = select(BenefitPlan).where(BenefitPlan.pool_id == pool_id).order_by(BenefitPlan.kind)
    return (await session.scalars(query)).all()


async def enrolment_of(
    session: AsyncSession, membership_id: uuid.UUID, kind: str
) -> BenefitEnrolment | None:
    return await session.scalar(
        select(BenefitEnrolment).where(
            BenefitEnrolment.membership_id == membership_id, BenefitEnrolment.kind == kind
        )
    )


async def enrolments_of_pool(
    session: AsyncSession, pool_id: uuid.UUID
) -> Sequence[tuple[BenefitEnrolment, Membership]]:
    rows = await session.execute(
        select(BenefitEnrolment, Membership)
        .join(Membership, Membership.id == BenefitEnrolment.membership_id)
        .where(BenefitEnrolment.pool_id == pool_id, Membership.status == "active")
    )
    return [(row[0], row[1]) for row in rows]


async def open_claim(
    session: AsyncSession, membership_id: uuid.UUID, *, for_update: bool = False
) -> BenefitClaim | None:
    query = (
        select(BenefitClaim)
        .where(
            BenefitClaim.membership_id == membership_id,
            BenefitClaim.status.in_(OPEN_STATUSES),
        )
        .order_by(BenefitClaim.created_at.desc())
        .limit(1)
    )
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def claim_of_pool(
    session: AsyncSession, pool_id: uuid.UUID, claim_id: uuid.UUID, *, for_update: bool = False
) -> BenefitClaim | None:
    query = select(BenefitClaim).where(BenefitClaim.id == claim_id, BenefitClaim.pool_id == pool_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query.execution_options(populate_existing=True))


async def claims_of_worker(session: AsyncSession, worker_id: uuid.UUID) -> Sequence[BenefitClaim]:
    query = (
        select(BenefitClaim)
        .where(BenefitClaim.worker_id == worker_id)
        .order_by(BenefitClaim.created_at.desc())
    )
    return (await session.scalars(query)).all()


async def claims_of_pool(
    session: AsyncSession, pool_id: uuid.UUID, status: str | None = None
) -> Sequence[BenefitClaim]:
    query = select(BenefitClaim).where(BenefitClaim.pool_id == pool_id)
    if status is not None:
        query = query.where(BenefitClaim.status == status)
    return (await session.scalars(query.order_by(BenefitClaim.created_at))).all()


async def pending_claims_for(session: AsyncSession, worker_id: uuid.UUID) -> Sequence[BenefitClaim]:
    """Claims waiting for members' approval in the worker's active pools, but their own."""
    pools = select(Membership.pool_id).where(
        Membership.worker_id == worker_id, Membership.status == "active"
    )
    query = (
        select(BenefitClaim)
        .where(
            BenefitClaim.pool_id.in_(pools),
            BenefitClaim.worker_id != worker_id,
            BenefitClaim.status == "pending",
            BenefitClaim.rules["approval"].as_string() == "members",
        )
        .order_by(BenefitClaim.created_at)
    )
    return (await session.scalars(query)).all()


async def approval_counts(session: AsyncSession, claim_id: uuid.UUID) -> tuple[int, int]:
    rows = await session.execute(
        select(BenefitApproval.approve, func.count())
        .where(BenefitApproval.claim_id == claim_id)
        .group_by(BenefitApproval.approve)
    )
    counts = {bool(approve): int(n) for approve, n in rows}
    return counts.get(True, 0), counts.get(False, 0)


async def approval_of(
    session: AsyncSession, claim_id: uuid.UUID, membership_id: uuid.UUID
) -> BenefitApproval | None:
    return await session.scalar(
        select(BenefitApproval).where(
            BenefitApproval.claim_id == claim_id, BenefitApproval.membership_id == membership_id
        )
    )


async def payable_claims(
    session: AsyncSession, pool_id: uuid.UUID, membership_ids: Sequence[uuid.UUID]
) -> Sequence[BenefitClaim]:
    """Claims the run may owe something: approved, or ended with days still unpaid."""
    query = select(BenefitClaim).where(
        BenefitClaim.pool_id == pool_id,
        BenefitClaim.status.in_(PAYABLE_STATUSES),
        BenefitClaim.membership_id.in_(list(membership_ids)),
    )
    return (await session.scalars(query.order_by(BenefitClaim.created_at))).all()


async def claims_by_id(
    session: AsyncSession, claim_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, BenefitClaim]:
    if not claim_ids:
        return {}
    query = select(BenefitClaim).where(BenefitClaim.id.in_(list(claim_ids))).with_for_update()
    return {c.id: c for c in await session.scalars(query)}
