"""The ledger's only writer: opens accounts and posts double-entry transfers.

The rules are TigerBeetle's. A transfer debits one account and credits another of the same
pool and currency, for a positive integer amount. The caller makes each transfer's id, which
is its idempotency key: posting the same id with the same fields again is a replay that
changes nothing, while the same id with other fields is refused, so a retried monthly run can
never move money twice. Transfers are never changed; a mistake is corrected by a reversing
transfer that names the one it corrects, at most once. A member's own accounts never go
negative: the balance is checked in the same UPDATE that moves it, so the rule holds when two
transactions race on PostgreSQL's READ COMMITTED.

Nothing here commits: the caller owns the transaction, so a contribution and the outbox
message telling the worker about it commit together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import not_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.errors import (
    AccountNotFound,
    AlreadyReversed,
    CurrencyMismatch,
    InsufficientFunds,
    InvalidPeriod,
    InvalidTransfer,
    TransferIdConflict,
    TransferNotFound,
)
from core.ids import new_id
from core.money import MAX_MINOR
from core.periods import Period
from pools.ledger_models import (
    MEMBER_ACCOUNT_KINDS,
    POOL_ACCOUNT_KINDS,
    TRANSFER_REASONS,
    LedgerAccount,
    LedgerTransfer,
)
from pools.ledger_queries import accounts_by_kind, member_accounts_of_pool
from pools.models import Pool

MEMO_MAX = 200
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


@dataclass(frozen=True)
class TransferRequest:
    """What a caller asks to post; `id` is made by the caller and is the idempotency key."""

    id: uuid.UUID
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount_minor: int
    currency: str
    reason: str
    period: str | None = None
    memo: str | None = None
    reverses_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PostResult:
    transfer: LedgerTransfer
    replayed: bool
    """True when the transfer had been posted before and this call changed nothing."""


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
    Losing a race to insert the same transfer id (or to reverse the same transfer) rolls the
    batch back and runs it again, and the re-read then settles it as a replay or a refusal.
    """
    for request in requests:
        _check_request(request)
    await session.flush()  # the caller's own pending rows, outside the retried SAVEPOINT
    for attempt in range(_RETRIES):
        try:
            async with session.begin_nested():
                return await _post_all(session, requests)
        except IntegrityError:
            if attempt == _RETRIES - 1:
                raise
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


def _check_request(request: TransferRequest) -> None:
    """Refuse a malformed request before touching the database."""
    for name in ("id", "debit_account_id", "credit_account_id"):
        if not isinstance(getattr(request, name), uuid.UUID):
            raise InvalidTransfer(f"{name} must be a UUID")
    amount = request.amount_minor
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidTransfer("amount_minor must be an integer number of minor units")
    if not 0 < amount <= MAX_MINOR:
        raise InvalidTransfer("amount_minor must be positive and within range")
    if request.debit_account_id == request.credit_account_id:
        raise InvalidTransfer("a transfer moves money between two different accounts")
    if not isinstance(request.currency, str):
        raise InvalidTransfer("currency must be an ISO 4217 code")
    if request.reason not in TRANSFER_REASONS:
        raise InvalidTransfer(f"{request.reason!r} is not a transfer reason")
    if (request.reason == "reversal") != (request.reverses_id is not None):
        raise InvalidTransfer("a reversal, and only a reversal, names the transfer it reverses")
    if request.reverses_id is not None and not isinstance(request.reverses_id, uuid.UUID):
        raise InvalidTransfer("reverses_id must be a UUID")
    if request.period is not None:
        try:
            canonical = str(Period.parse(request.period))
        except InvalidPeriod as exc:
            raise InvalidTransfer(exc.detail) from exc
        if canonical != request.period:
            raise InvalidTransfer(f"period must be written {canonical}")
    if request.memo is not None and (
        not isinstance(request.memo, str) or len(request.memo) > MEMO_MAX
    ):
        raise InvalidTransfer(f"memo must be text of at most {MEMO_MAX} characters")


async def _post_all(session: AsyncSession, requests: Sequence[TransferRequest]) -> list[PostResult]:
    account_ids = sorted(
        {r.debit_account_id for r in requests} | {r.credit_account_id for r in requests}
    )
    locked = await session.scalars(
        select(LedgerAccount)
        .where(LedgerAccount.id.in_(account_ids))
        .order_by(LedgerAccount.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    accounts = {account.id: account for account in locked}
    results = [await _post_one(session, request, accounts) for request in requests]
    # Balances moved in SQL; bring the loaded accounts up to date only now that every
    # transfer stood, so a refused batch leaves them as the database still has them.
    moved = [r.transfer for r in results if not r.replayed]
    touched = {t.debit_account_id for t in moved} | {t.credit_account_id for t in moved}
    if touched:
        await session.execute(
            select(LedgerAccount)
            .where(LedgerAccount.id.in_(sorted(touched)))
            .execution_options(populate_existing=True)
        )
    return results


async def _post_one(
    session: AsyncSession,
    request: TransferRequest,
    accounts: dict[uuid.UUID, LedgerAccount],
) -> PostResult:
    existing = await session.get(LedgerTransfer, request.id)
    if existing is not None:
        if _fields(existing) != _fields(request):
            raise TransferIdConflict(
                f"transfer {request.id} was already posted with other fields",
                transfer_id=request.id,
            )
        return PostResult(transfer=existing, replayed=True)

    debit = accounts.get(request.debit_account_id)
    credit = accounts.get(request.credit_account_id)
    for account_id, account in (
        (request.debit_account_id, debit),
        (request.credit_account_id, credit),
    ):
        if account is None:
            raise AccountNotFound(f"account {account_id} does not exist", account_id=account_id)
    assert debit is not None and credit is not None
    if debit.pool_id != credit.pool_id:
        raise InvalidTransfer("both accounts of a transfer belong to the same pool")
    if not request.currency == debit.currency == credit.currency:
        raise CurrencyMismatch(
            f"transfer in {request.currency} between accounts in {debit.currency} "
            f"and {credit.currency}"
        )
    if request.reverses_id is not None:
        await _check_reversal(session, request)

    transfer = LedgerTransfer(
        id=request.id,
        pool_id=debit.pool_id,
        debit_account_id=debit.id,
        credit_account_id=credit.id,
        amount_minor=request.amount_minor,
        currency=request.currency,
        reason=request.reason,
        period=request.period,
        reverses_id=request.reverses_id,
        memo=request.memo,
    )
    session.add(transfer)
    await session.flush()
    for account_id in sorted((debit.id, credit.id)):
        if account_id == debit.id:
            await _debit(session, debit.id, request.amount_minor)
        else:
            await _credit(session, credit.id, request.amount_minor)
    return PostResult(transfer=transfer, replayed=False)


async def _check_reversal(session: AsyncSession, request: TransferRequest) -> None:
    original = await session.get(LedgerTransfer, request.reverses_id)
    if original is None:
        raise TransferNotFound(
            f"transfer {request.reverses_id} does not exist", transfer_id=request.reverses_id
        )
    if (
        original.debit_account_id != request.credit_account_id
        or original.credit_account_id != request.debit_account_id
        or original.amount_minor != request.amount_minor
        or original.currency != request.currency
    ):
        raise InvalidTransfer("a reversal moves the same amount back between the same accounts")
    earlier = await session.scalar(
        select(LedgerTransfer.id).where(LedgerTransfer.reverses_id == original.id)
    )
    if earlier is not None:
        raise AlreadyReversed(
            f"transfer {original.id} was already reversed by {earlier}",
            transfer_id=original.id,
            reversal_id=earlier,
        )


async def _debit(session: AsyncSession, account_id: uuid.UUID, amount: int) -> None:
    """Debit in one statement that also checks the no-overdraft rule.

    The check and the change are one UPDATE, so under READ COMMITTED a concurrent debit
    that committed first is re-evaluated against the row as it now is: no window in which
    two debits each see enough money. Zero rows updated means the money is not there.
    """
    table = LedgerAccount
    result = await session.execute(
        update(table)
        .where(
            table.id == account_id,
            or_(
                not_(table.debits_must_not_exceed_credits),
                table.credits_posted_minor - table.debits_posted_minor >= amount,
            ),
        )
        .values(debits_posted_minor=table.debits_posted_minor + amount)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) == 1:
        return
    available = await session.scalar(
        select(table.credits_posted_minor - table.debits_posted_minor).where(table.id == account_id)
    )
    raise InsufficientFunds(
        f"account {account_id} holds {available} and cannot be debited {amount}",
        account_id=account_id,
        available_minor=available,
        amount_minor=amount,
    )


async def _credit(session: AsyncSession, account_id: uuid.UUID, amount: int) -> None:
    table = LedgerAccount
    result = await session.execute(
        update(table)
        .where(table.id == account_id)
        .values(credits_posted_minor=table.credits_posted_minor + amount)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        raise AccountNotFound(f"account {account_id} does not exist", account_id=account_id)


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _fields(item: TransferRequest | LedgerTransfer) -> tuple[object, ...]:
    """What makes two postings of one id the same transfer (TigerBeetle compares them all)."""
    return (
        item.debit_account_id,
        item.credit_account_id,
        item.amount_minor,
        item.currency,
        item.reason,
        item.period,
        item.memo,
        item.reverses_id,
    )


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
    insert = postgresql.insert if postgres else sqlite.insert
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
            insert(LedgerAccount)
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
