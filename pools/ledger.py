"""The ledger's only writer: opens accounts and posts double-entry transfers.

The rules are TigerBeetle's. A transfer debits one account and credits another of the same
pool and currency, for a positive integer amount. The caller makes each transfer's id, which
is its idempotency key: posting the same id with the same fields again is a replay that
changes nothing, while the same id with other fields is refused, so a retried monthly run can
never move money twice. Transfers are never changed; a mistake is corrected by a reversing
transfer that names the one it corrects, at most once. A member's own accounts never go
negative: every account a batch touches is locked before its balance is read and checked, so
the rule holds when two transactions race on PostgreSQL's READ COMMITTED, and the database's
`no_overdraft` CHECK refuses what a bug here might still let through.

A batch costs the same few statements whatever its size (the monthly run posts a hundred
thousand transfers): one locking read of its accounts, one read of the transfers its ids
name (one more for the reversals of those it reverses), then one multi-row INSERT and one
UPDATE. In between, `pools.ledger_batch` applies the rules to the batch in memory.

Nothing here commits: the caller owns the transaction, so a contribution and the outbox
message telling the worker about it commit together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import BigInteger, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.errors import TransferNotFound
from core.ids import new_id
from pools.ledger_batch import MEMO_MAX, Batch, PostResult, TransferRequest, check_request
from pools.ledger_models import (
    MEMBER_ACCOUNT_KINDS,
    POOL_ACCOUNT_KINDS,
    LedgerAccount,
    LedgerTransfer,
)
from pools.ledger_queries import (
    accounts_by_kind,
    lock_accounts,
    member_accounts_of_pool,
    reversals_of,
    transfers_by_id,
)
from pools.models import Pool

__all__ = [
    "MEMO_MAX",
    "MemberAccounts",
    "PoolAccounts",
    "PostResult",
    "TransferRequest",
    "open_member_accounts",
    "open_pool_accounts",
    "post_transfer",
    "post_transfers",
    "reverse_transfer",
]

_RETRIES = 3
"""Times a batch is retried after losing an insert race, which re-reads and settles it."""


@dataclass(frozen=True)
class PoolAccounts:
    world: LedgerAccount
    """Money outside Mutua: goes negative as money comes in."""
    reserve: LedgerAccount
    """The pool's benefit fund."""
    receivable: LedgerAccount
    """Contributions members owe the pool: negative by the total owed."""


@dataclass(frozen=True)
class MemberAccounts:
    savings: LedgerAccount
    contribution: LedgerAccount
    arrears: LedgerAccount
    """What the member owes the pool (its balance), never below zero."""


async def open_pool_accounts(session: AsyncSession, pool: Pool) -> PoolAccounts:
    """The pool's world and reserve accounts, created on first call and returned after.

    Only `world` and `receivable` may go negative (money that came in from outside, money
    owed to the pool); the reserve pays benefits with money it holds, never on credit, so it
    is a no-overdraft account.

    These accounts have no worker, and NULLs never collide in a unique constraint, so the
    pool row is locked first: two concurrent callers on PostgreSQL then take turns, and the
    second finds the first one's accounts (SQLite takes its write lock at BEGIN already).
    """
    await session.flush()  # the caller may have just added the pool (autoflush is off)
    await session.execute(select(Pool.id).where(Pool.id == pool.id).with_for_update())
    found = await accounts_by_kind(session, pool.id, None)
    for kind in POOL_ACCOUNT_KINDS:
        if kind not in found:
            account = LedgerAccount(
                pool_id=pool.id,
                worker_id=None,
                kind=kind,
                currency=pool.currency,
                debits_must_not_exceed_credits=kind == "reserve",
                debits_posted_minor=0,
                credits_posted_minor=0,
            )
            session.add(account)
            found[kind] = account
    await session.flush()
    return PoolAccounts(
        world=found["world"], reserve=found["reserve"], receivable=found["receivable"]
    )


async def open_member_accounts(
    session: AsyncSession, pool: Pool, worker_id: uuid.UUID
) -> MemberAccounts:
    """The member's savings and contribution accounts, created on first call.

    Inserted with ON CONFLICT DO NOTHING on (pool, kind, worker), so a worker joining twice
    at once (a double tap, an SMS and a web request) still ends with one pair of accounts.
    All are no-overdraft accounts: a member's own money never goes negative, and nobody
    clears more arrears than they owe.
    """
    await session.flush()  # the pool or worker may be new and not yet written
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = postgresql.insert if postgres else sqlite.insert
    for kind in MEMBER_ACCOUNT_KINDS:
        statement = (
            insert(LedgerAccount)
            .values(
                id=new_id(),
                pool_id=pool.id,
                worker_id=worker_id,
                kind=kind,
                currency=pool.currency,
                debits_must_not_exceed_credits=True,
                debits_posted_minor=0,
                credits_posted_minor=0,
            )
            .on_conflict_do_nothing(index_elements=["pool_id", "kind", "worker_id"])
        )
        await session.execute(statement)
    found = await accounts_by_kind(session, pool.id, worker_id)
    return MemberAccounts(
        savings=found["member_savings"],
        contribution=found["member_contribution"],
        arrears=found["member_arrears"],
    )


async def post_transfer(session: AsyncSession, request: TransferRequest) -> PostResult:
    """Post one transfer; see `post_transfers`."""
    return (await post_transfers(session, [request]))[0]


async def post_transfers(
    session: AsyncSession, requests: Sequence[TransferRequest]
) -> list[PostResult]:
    """Post transfers all together or not at all, in order, inside a SAVEPOINT.

    A month's contribution run posts many transfers that only make sense together; if one
    is refused, the SAVEPOINT is rolled back and no partial movement is left behind, while
    the caller's own transaction stays usable. Every account the batch touches is locked
    first, in id order, so two batches over the same accounts queue instead of deadlocking.
    The rules are then applied in order to the locked balances, so a later transfer may
    spend what an earlier one credited, and the first refusal wins as if they were posted
    one by one. An id named twice in one batch is one transfer: again with the same fields
    it is a replay, with others a conflict.

    Losing a race to insert the same transfer id (or to reverse the same transfer) rolls the
    batch back and runs it again, and the re-read then settles it as a replay or a refusal.

    The new transfers come back as `LedgerTransfer` objects built from the rows just
    written, not attached to the session: writing them through its unit of work is what
    cost a round trip per transfer. Replays come back as the stored rows.
    """
    for request in requests:
        check_request(request)
    await session.flush()  # the caller's own pending rows, outside the retried SAVEPOINT
    if not requests:
        return []
    for attempt in range(_RETRIES):
        try:
            async with session.begin_nested():
                batch = await _post_all(session, requests)
        except IntegrityError:
            if attempt == _RETRIES - 1:
                raise
            continue
        # Only now that the SAVEPOINT is released do the loaded accounts follow the
        # database, so a refused batch leaves them as the database still has them.
        batch.settle_accounts()
        return batch.results
    raise AssertionError("unreachable")  # pragma: no cover


async def reverse_transfer(
    session: AsyncSession,
    transfer_id: uuid.UUID,
    *,
    reversal_id: uuid.UUID,
    memo: str | None = None,
) -> PostResult:
    """Post the transfer that undoes `transfer_id`: same amount, accounts swapped.

    The reversal names the transfer it corrects, so the history explains itself, and a
    transfer is reversed at most once (the database holds `reverses_id` unique). Calling
    again with the same `reversal_id` is a replay. A reversal that would take a member's
    account below zero (the money was already paid out) is refused like any other transfer.
    """
    original = await session.get(LedgerTransfer, transfer_id)
    if original is None:
        raise TransferNotFound(f"transfer {transfer_id} does not exist", transfer_id=transfer_id)
    request = TransferRequest(
        id=reversal_id,
        debit_account_id=original.credit_account_id,
        credit_account_id=original.debit_account_id,
        amount_minor=original.amount_minor,
        currency=original.currency,
        reason="reversal",
        period=original.period,
        memo=memo,
        reverses_id=original.id,
    )
    return await post_transfer(session, request)


_TRANSFERS = cast(Table, LedgerTransfer.__table__)
_ACCOUNTS = cast(Table, LedgerAccount.__table__)
_MOVE_BALANCES = (
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("account_id"))
    .values(
        debits_posted_minor=_ACCOUNTS.c.debits_posted_minor
        + bindparam("debited", type_=BigInteger()),
        credits_posted_minor=_ACCOUNTS.c.credits_posted_minor
        + bindparam("credited", type_=BigInteger()),
    )
)
"""Moves the posted sums by increments (one executemany for the batch), never by writing
the totals computed here: the row's own value is the base, and its CHECK the last word."""


async def _post_all(session: AsyncSession, requests: Sequence[TransferRequest]) -> Batch:
    """Read what the batch needs in one statement each, decide in memory, then write.

    Accounts are locked before the stored transfers are read, so a concurrent post of the
    same id that committed while this one waited on the lock is seen as a replay here.
    """
    accounts = await lock_accounts(
        session,
        {r.debit_account_id for r in requests} | {r.credit_account_id for r in requests},
    )
    reversed_ids = {r.reverses_id for r in requests if r.reverses_id is not None}
    stored = await transfers_by_id(session, {r.id for r in requests} | reversed_ids)
    reversed_by = await reversals_of(session, reversed_ids) if reversed_ids else {}
    batch = Batch(accounts, stored, reversed_by)
    for request in requests:
        batch.post(request)
    if batch.rows:
        await session.execute(insert(_TRANSFERS), batch.rows)
        await session.execute(_MOVE_BALANCES, batch.movements())
    return batch


async def ensure_member_accounts(
    session: AsyncSession, pool: Pool, worker_ids: Sequence[uuid.UUID]
) -> None:
    """Open whatever member accounts are missing for many members, in a few statements.

    Members who joined before an account kind existed get it here, on first use; nothing
    is read back, because the monthly run reads balances with a query of its own.
    """
    await session.flush()
    if not worker_ids:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    upsert = postgresql.insert if postgres else sqlite.insert
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "pool_id": pool.id,
            "worker_id": worker_id,
            "kind": kind,
            "currency": pool.currency,
            "debits_must_not_exceed_credits": True,
            "debits_posted_minor": 0,
            "credits_posted_minor": 0,
            "created_at": now,
        }
        for worker_id in worker_ids
        for kind in MEMBER_ACCOUNT_KINDS
    ]
    for start in range(0, len(rows), 3000):  # SQLite allows 32,766 bound values a statement
        await session.execute(
            upsert(LedgerAccount)
            .values(rows[start : start + 3000])
            .on_conflict_do_nothing(index_elements=["pool_id", "kind", "worker_id"])
        )


async def open_accounts_for_members(
    session: AsyncSession, pool: Pool, worker_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, MemberAccounts]:
    """`open_member_accounts` for many members at once, returning their accounts."""
    await ensure_member_accounts(session, pool, worker_ids)
    found = await member_accounts_of_pool(session, pool.id, worker_ids)
    return {
        worker_id: MemberAccounts(
            savings=kinds["member_savings"],
            contribution=kinds["member_contribution"],
            arrears=kinds["member_arrears"],
        )
        for worker_id, kinds in found.items()
    }
