"""Reads of the ledger: a worker's accounts and transfers, and the books' own checks.

Balances are cached on each account (posted debits and credits) so the no-overdraft rule can
be checked against the locked account row without reading its history. The append-only
transfers remain the source of truth; the checks here recompute balances from them, so a
cached balance that ever drifted from its history would be seen, not trusted.

The reads the ledger's writer makes for a batch take the batch's ids all at once, so a batch
costs the same few statements whatever its size (up to `IN_LIST_MAX` ids per statement).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime

from sqlalchemy import func, literal, or_, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Subquery

from pools.ledger_models import LedgerAccount, LedgerTransfer

IN_LIST_MAX = 5_000
"""Ids bound in one IN list: far below the bound parameters a statement may carry (32,766 on
SQLite, 32,767 with asyncpg), so a batch of any size can be read, one statement per 5,000."""


def _chunks(ids: Collection[uuid.UUID]) -> Iterator[Sequence[uuid.UUID]]:
    """The ids in ascending order, `IN_LIST_MAX` at a time."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), IN_LIST_MAX):
        yield ordered[start : start + IN_LIST_MAX]


async def lock_accounts(
    session: AsyncSession, account_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, LedgerAccount]:
    """The accounts that exist among `account_ids`, locked FOR UPDATE and freshly read.

    Locks are taken in id order (chunks ascend too), so two batches over the same accounts
    queue behind each other instead of deadlocking. `populate_existing` replaces whatever the
    session remembered with the row as it is once locked: the balance the writer checks is
    the one no other transaction can now change. SQLite has no row locks; its writers hold
    the database's write lock from BEGIN IMMEDIATE instead.
    """
    found: dict[uuid.UUID, LedgerAccount] = {}
    for chunk in _chunks(account_ids):
        rows = await session.scalars(
            select(LedgerAccount)
            .where(LedgerAccount.id.in_(chunk))
            .order_by(LedgerAccount.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        found.update((account.id, account) for account in rows)
    return found


async def transfers_by_id(
    session: AsyncSession, transfer_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, LedgerTransfer]:
    """The stored transfers among `transfer_ids`: a batch's replays and what it reverses."""
    found: dict[uuid.UUID, LedgerTransfer] = {}
    for chunk in _chunks(transfer_ids):
        rows = await session.scalars(select(LedgerTransfer).where(LedgerTransfer.id.in_(chunk)))
        found.update((transfer.id, transfer) for transfer in rows)
    return found


async def reversals_of(
    session: AsyncSession, transfer_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Which of the transfers were already reversed, and by which transfer: original → reversal."""
    found: dict[uuid.UUID, uuid.UUID] = {}
    for chunk in _chunks(transfer_ids):
        rows = await session.execute(
            select(LedgerTransfer.reverses_id, LedgerTransfer.id).where(
                LedgerTransfer.reverses_id.in_(chunk)
            )
        )
        for original_id, reversal_id in rows:
            if original_id is not None:  # always, by the IN; the column is nullable
                found[original_id] = reversal_id
    return found


async def accounts_for_worker(
    session: AsyncSession, worker_id: uuid.UUID, pool_id: uuid.UUID | None = None
) -> list[LedgerAccount]:
    """The worker's own accounts (savings, contribution), in every pool or in one."""
    query = select(LedgerAccount).where(LedgerAccount.worker_id == worker_id)
    if pool_id is not None:
        query = query.where(LedgerAccount.pool_id == pool_id)
    query = query.order_by(LedgerAccount.pool_id, LedgerAccount.kind)
    return list(await session.scalars(query.execution_options(populate_existing=True)))


async def accounts_by_kind(
    session: AsyncSession, pool_id: uuid.UUID, worker_id: uuid.UUID | None
) -> dict[str, LedgerAccount]:
    """The pool's own accounts (worker None) or one member's, by kind, freshly read."""
    owner = (
        LedgerAccount.worker_id.is_(None)
        if worker_id is None
        else (LedgerAccount.worker_id == worker_id)
    )
    rows = await session.scalars(
        select(LedgerAccount)
        .where(LedgerAccount.pool_id == pool_id, owner)
        .order_by(LedgerAccount.id)
        .execution_options(populate_existing=True)
    )
    found: dict[str, LedgerAccount] = {}
    for account in rows:
        found.setdefault(account.kind, account)
    return found


async def recent_transfers(
    session: AsyncSession, account_ids: Collection[uuid.UUID], limit: int = 20
) -> list[LedgerTransfer]:
    """Transfers into or out of any of the accounts, newest first."""
    if not account_ids or limit <= 0:
        return []
    ids = sorted(account_ids)
    query = (
        select(LedgerTransfer)
        .where(
            or_(
                LedgerTransfer.debit_account_id.in_(ids),
                LedgerTransfer.credit_account_id.in_(ids),
            )
        )
        .order_by(LedgerTransfer.created_at.desc(), LedgerTransfer.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(query))


async def accounts_page(
    session: AsyncSession, worker_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[LedgerAccount]:
    """Up to `limit` of the worker's own accounts after the one with id `after`, by id."""
    query = select(LedgerAccount).where(LedgerAccount.worker_id == worker_id)
    if after is not None:
        query = query.where(LedgerAccount.id > after)
    query = query.order_by(LedgerAccount.id).limit(limit)
    return list(await session.scalars(query.execution_options(populate_existing=True)))


async def transfers_page(
    session: AsyncSession,
    worker_id: uuid.UUID,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[LedgerTransfer]:
    """Up to `limit` transfers into or out of the worker's accounts, newest first, older
    than the transfer `before` names (its time and id)."""
    mine = select(LedgerAccount.id).where(LedgerAccount.worker_id == worker_id)
    query = select(LedgerTransfer).where(
        or_(
            LedgerTransfer.debit_account_id.in_(mine),
            LedgerTransfer.credit_account_id.in_(mine),
        )
    )
    if before is not None:
        query = query.where(tuple_(LedgerTransfer.created_at, LedgerTransfer.id) < before)
    query = query.order_by(LedgerTransfer.created_at.desc(), LedgerTransfer.id.desc())
    return list(await session.scalars(query.limit(limit)))


async def balances_by_currency(session: AsyncSession) -> dict[str, int]:
    """Sum of cached balances (credits − debits) over all accounts, per currency.

    Double entry means every currency sums to zero: money in the pools is exactly matched
    by the `world` accounts' negative balances. Anything else is a bug to stop the run for.
    """
    rows = await session.execute(
        select(
            LedgerAccount.currency,
            func.sum(LedgerAccount.credits_posted_minor - LedgerAccount.debits_posted_minor),
        ).group_by(LedgerAccount.currency)
    )
    return {currency: int(total or 0) for currency, total in rows}


def _entries() -> Subquery:
    """Each transfer as its two entries: −amount on the debit side, +amount on the credit."""
    debits = select(
        LedgerTransfer.debit_account_id.label("account_id"),
        LedgerTransfer.currency.label("currency"),
        (literal(0) - LedgerTransfer.amount_minor).label("amount"),
    )
    credits = select(
        LedgerTransfer.credit_account_id.label("account_id"),
        LedgerTransfer.currency.label("currency"),
        LedgerTransfer.amount_minor.label("amount"),
    )
    return union_all(debits, credits).subquery("entries")


async def transfer_sums_by_currency(session: AsyncSession) -> dict[str, int]:
    """Sum of all entries of all transfers, per currency, from the history alone.

    Zero for every currency unless a transfer was written with one side missing; this is
    the check `balances_by_currency` makes from the cached side.
    """
    entries = _entries()
    rows = await session.execute(
        select(entries.c.currency, func.sum(entries.c.amount)).group_by(entries.c.currency)
    )
    return {str(code): int(total or 0) for code, total in rows}


async def balances_from_transfers(session: AsyncSession) -> dict[uuid.UUID, int]:
    """Each account's balance (credits − debits) recomputed from its transfers.

    Accounts with no transfer are absent (their balance is zero).
    """
    entries = _entries()
    rows = await session.execute(
        select(entries.c.account_id, func.sum(entries.c.amount)).group_by(entries.c.account_id)
    )
    return {uuid.UUID(str(key)): int(total or 0) for key, total in rows}


async def balance_drift(session: AsyncSession) -> dict[uuid.UUID, tuple[int, int]]:
    """Accounts whose cached balance differs from their history: id → (cached, history).

    Empty on a healthy ledger; an administrator's health check and the tests call it.
    """
    history = await balances_from_transfers(session)
    rows = await session.execute(
        select(
            LedgerAccount.id,
            LedgerAccount.credits_posted_minor - LedgerAccount.debits_posted_minor,
        )
    )
    drift: dict[uuid.UUID, tuple[int, int]] = {}
    for account_id, cached in rows:
        recomputed = history.get(account_id, 0)
        if int(cached) != recomputed:
            drift[account_id] = (int(cached), recomputed)
    return drift


async def member_accounts_of_pool(
    session: AsyncSession,
    pool_id: uuid.UUID,
    worker_ids: Collection[uuid.UUID],
    *,
    lock: bool = False,
) -> dict[uuid.UUID, dict[str, LedgerAccount]]:
    """Members' accounts by worker and kind, freshly read; locked in id order if asked,
    so a chunk of the monthly run reads balances nobody else can move under it."""
    found: dict[uuid.UUID, dict[str, LedgerAccount]] = {}
    ids = sorted(worker_ids)
    for start in range(0, len(ids), 5000):
        query = (
            select(LedgerAccount)
            .where(
                LedgerAccount.pool_id == pool_id,
                LedgerAccount.worker_id.in_(ids[start : start + 5000]),
            )
            .order_by(LedgerAccount.id)
            .execution_options(populate_existing=True)
        )
        if lock:
            query = query.with_for_update()
        for account in await session.scalars(query):
            assert account.worker_id is not None
            found.setdefault(account.worker_id, {})[account.kind] = account
    return found


async def member_balances(
    session: AsyncSession, pool_id: uuid.UUID
) -> dict[tuple[uuid.UUID, str], int]:
    """Every member account's balance in the pool by (worker, kind), without loading
    accounts as objects: the monthly run reads a hundred thousand members at once."""
    rows = await session.execute(
        select(
            LedgerAccount.worker_id,
            LedgerAccount.kind,
            LedgerAccount.credits_posted_minor - LedgerAccount.debits_posted_minor,
        ).where(LedgerAccount.pool_id == pool_id, LedgerAccount.worker_id.is_not(None))
    )
    return {(worker, kind): int(balance) for worker, kind, balance in rows if worker is not None}


async def flows_by_period(
    session: AsyncSession, pool_id: uuid.UUID, reasons: Collection[str], since: str
) -> dict[str, int]:
    """Money moved in the pool for the given reasons, by period, from `since` on."""
    rows = await session.execute(
        select(LedgerTransfer.period, func.sum(LedgerTransfer.amount_minor))
        .where(
            LedgerTransfer.pool_id == pool_id,
            LedgerTransfer.reason.in_(sorted(reasons)),
            LedgerTransfer.period >= since,
        )
        .group_by(LedgerTransfer.period)
    )
    return {str(period): int(total or 0) for period, total in rows if period is not None}


async def arrears_of_pool(session: AsyncSession, pool_id: uuid.UUID) -> tuple[int, int]:
    """What members owe the pool in all, and how many members owe anything."""
    balance = LedgerAccount.credits_posted_minor - LedgerAccount.debits_posted_minor
    row = (
        await session.execute(
            select(func.coalesce(func.sum(balance), 0), func.count()).where(
                LedgerAccount.pool_id == pool_id,
                LedgerAccount.kind == "member_arrears",
                balance > 0,
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def lock_member_balances(
    session: AsyncSession, pool_id: uuid.UUID, worker_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, dict[str, tuple[uuid.UUID, int]]]:
    """Members' accounts as (id, balance) by worker and kind, locked in id order until the
    transaction ends: a chunk of the monthly run decides from balances nobody can move under
    it, without loading a thousand accounts as objects."""
    found: dict[uuid.UUID, dict[str, tuple[uuid.UUID, int]]] = {}
    ids = sorted(worker_ids)
    balance = LedgerAccount.credits_posted_minor - LedgerAccount.debits_posted_minor
    for start in range(0, len(ids), 5000):
        rows = await session.execute(
            select(LedgerAccount.worker_id, LedgerAccount.kind, LedgerAccount.id, balance)
            .where(
                LedgerAccount.pool_id == pool_id,
                LedgerAccount.worker_id.in_(ids[start : start + 5000]),
            )
            .order_by(LedgerAccount.id)
            .with_for_update()
        )
        for worker, kind, account, amount in rows:
            if worker is not None:
                found.setdefault(worker, {})[kind] = (account, int(amount))
    return found


async def transfers_of_accounts(
    session: AsyncSession, account_ids: Collection[uuid.UUID]
) -> list[LedgerTransfer]:
    """Every transfer into or out of any of the accounts, oldest first (a full history, for a
    worker's export of their data)."""
    if not account_ids:
        return []
    ids = sorted(account_ids)
    query = (
        select(LedgerTransfer)
        .where(
            or_(
                LedgerTransfer.debit_account_id.in_(ids),
                LedgerTransfer.credit_account_id.in_(ids),
            )
        )
        .order_by(LedgerTransfer.created_at, LedgerTransfer.id)
    )
    return list(await session.scalars(query))
