"""Every query of the bank link."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from banks.models import BankAccount, BankDeposit, BankItem, CounterpartyChoice
from pools.models import Membership


async def items_of(
    session: AsyncSession, worker_id: uuid.UUID, *, with_removed: bool = False
) -> list[BankItem]:
    query = (
        select(BankItem)
        .where(BankItem.worker_id == worker_id)
        .order_by(BankItem.created_at, BankItem.id)
    )
    if not with_removed:
        query = query.where(BankItem.status != "removed")
    return list((await session.scalars(query)).all())


async def item_of_worker(
    session: AsyncSession, worker_id: uuid.UUID, item_id: uuid.UUID
) -> BankItem | None:
    return await session.scalar(
        select(BankItem).where(BankItem.id == item_id, BankItem.worker_id == worker_id)
    )


async def item_by_plaid_id(session: AsyncSession, plaid_item_id: str) -> BankItem | None:
    return await session.scalar(select(BankItem).where(BankItem.plaid_item_id == plaid_item_id))


async def lock_item(session: AsyncSession, item_id: uuid.UUID) -> BankItem | None:
    return await session.scalar(
        select(BankItem)
        .where(BankItem.id == item_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def accounts_of(session: AsyncSession, item_ids: Sequence[uuid.UUID]) -> list[BankAccount]:
    if not item_ids:
        return []
    return list(
        (await session.scalars(select(BankAccount).where(BankAccount.item_id.in_(item_ids)))).all()
    )


async def worker_masks(session: AsyncSession, worker_id: uuid.UUID) -> set[str]:
    rows = await session.scalars(
        select(BankAccount.mask)
        .join(BankItem, BankItem.id == BankAccount.item_id)
        .where(BankItem.worker_id == worker_id)
    )
    return {m for m in rows if m}


async def choices_of(session: AsyncSession, worker_id: uuid.UUID) -> dict[str, str | None]:
    rows = await session.execute(
        select(CounterpartyChoice.counterparty_key, CounterpartyChoice.platform).where(
            CounterpartyChoice.worker_id == worker_id
        )
    )
    return {key: platform for key, platform in rows}


async def choice(
    session: AsyncSession, worker_id: uuid.UUID, key: str
) -> CounterpartyChoice | None:
    return await session.scalar(
        select(CounterpartyChoice).where(
            CounterpartyChoice.worker_id == worker_id, CounterpartyChoice.counterparty_key == key
        )
    )


async def deposits_by_transaction(
    session: AsyncSession, ids: Sequence[str]
) -> dict[str, BankDeposit]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(BankDeposit).where(BankDeposit.transaction_id.in_(list(ids)))
    )
    return {d.transaction_id: d for d in rows}


async def deposit_of_worker(
    session: AsyncSession, worker_id: uuid.UUID, deposit_id: uuid.UUID
) -> BankDeposit | None:
    return await session.scalar(
        select(BankDeposit)
        .where(BankDeposit.id == deposit_id, BankDeposit.worker_id == worker_id)
        .with_for_update()
    )


async def deposits_page(
    session: AsyncSession,
    worker_id: uuid.UUID,
    classification: str | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[BankDeposit]:
    """Newest first; `after` is the (posted_on, id) of the last one on the previous page."""
    query = select(BankDeposit).where(BankDeposit.worker_id == worker_id)
    if classification:
        query = query.where(BankDeposit.classification == classification)
    if after is not None:
        day, last_id = after
        query = query.where(
            (BankDeposit.posted_on < day)
            | ((BankDeposit.posted_on == day) & (BankDeposit.id < last_id))
        )
    query = query.order_by(BankDeposit.posted_on.desc(), BankDeposit.id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


async def unreviewed_from(
    session: AsyncSession, worker_id: uuid.UUID, key: str
) -> list[BankDeposit]:
    return list(
        (
            await session.scalars(
                select(BankDeposit)
                .where(
                    BankDeposit.worker_id == worker_id,
                    BankDeposit.counterparty_key == key,
                    BankDeposit.classification == "unreviewed",
                )
                .with_for_update()
            )
        ).all()
    )


async def items_to_sync(session: AsyncSession, limit: int = 100) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(BankItem.id)
        .where(BankItem.sync_requested_at.is_not(None), BankItem.status == "active")
        .order_by(BankItem.sync_requested_at)
        .limit(limit)
    )
    return list(rows)


async def items_of_pool(session: AsyncSession, pool_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(BankItem.id)
        .join(Membership, Membership.worker_id == BankItem.worker_id)
        .where(Membership.pool_id == pool_id, BankItem.status == "active")
        .distinct()
    )
    return list(rows)


async def request_sync(session: AsyncSession, item_id: uuid.UUID, at: object) -> None:
    await session.execute(
        update(BankItem).where(BankItem.id == item_id).values(sync_requested_at=at)
    )


async def active_items(session: AsyncSession) -> list[uuid.UUID]:
    return list(await session.scalars(select(BankItem.id).where(BankItem.status == "active")))
