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
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, MutuaError, NotFound, ValidationFailed
from core.ids import new_id
from pools.ledger_models import LedgerAccount, LedgerTransfer
from pools.models import Pool

MEMO_MAX = 200
_RETRIES = 3
"""Times a batch is retried after losing an insert race, which re-reads and settles it."""


class LedgerError(MutuaError):
    """Base of the ledger's refusals; nothing was posted when one is raised."""

    slug: ClassVar[str] = "ledger-error"


class InvalidTransfer(LedgerError, ValidationFailed):
    slug = "invalid-transfer"
    title = "The transfer is not valid"


class CurrencyMismatch(LedgerError, ValidationFailed):
    slug = "currency-mismatch"
    title = "The transfer and its accounts are not in the same currency"


class InsufficientFunds(LedgerError, ValidationFailed):
    slug = "insufficient-funds"
    title = "The account does not hold enough money"


class AccountNotFound(LedgerError, NotFound):
    slug = "account-not-found"
    title = "The ledger account does not exist"


class TransferNotFound(LedgerError, NotFound):
    slug = "transfer-not-found"
    title = "The transfer does not exist"


class TransferIdConflict(LedgerError, Conflict):
    slug = "transfer-id-conflict"
    title = "A different transfer was already posted with this id"


class AlreadyReversed(LedgerError, Conflict):
    slug = "already-reversed"
    title = "The transfer has already been reversed"


@dataclass(frozen=True)
class PoolAccounts:
    world: LedgerAccount
    """Money outside Mutua: goes negative as money comes in."""
    reserve: LedgerAccount
    """The pool's benefit fund."""


@dataclass(frozen=True)
class MemberAccounts:
    savings: LedgerAccount
    contribution: LedgerAccount


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


# --- accounts -------------------------------------------------------------------------------


async def open_pool_accounts(session: AsyncSession, pool: Pool) -> PoolAccounts:
    """The pool's world and reserve accounts, created on first call and returned after.

    These accounts have no worker, and NULLs never collide in a unique constraint, so the
    pool row is locked first: two concurrent callers on PostgreSQL then take turns, and the
    second finds the first one's accounts (SQLite takes its write lock at BEGIN already).
    """
    await session.execute(select(Pool.id).where(Pool.id == pool.id).with_for_update())
    found = await _accounts(session, pool.id, None)
    for kind in ("world", "reserve"):
        if kind not in found:
            account = LedgerAccount(
                pool_id=pool.id,
                worker_id=None,
                kind=kind,
                currency=pool.currency,
                debits_must_not_exceed_credits=False,
                debits_posted_minor=0,
                credits_posted_minor=0,
            )
            session.add(account)
            found[kind] = account
    await session.flush()
    return PoolAccounts(world=found["world"], reserve=found["reserve"])


async def open_member_accounts(
    session: AsyncSession, pool: Pool, worker_id: uuid.UUID
) -> MemberAccounts:
    """The member's savings and contribution accounts, created on first call.

    Inserted with ON CONFLICT DO NOTHING on (pool, kind, worker), so a worker joining twice
    at once (a double tap, an SMS and a web request) still ends with one pair of accounts.
    Both are no-overdraft accounts: a member's own money never goes negative.
    """
    dialect = _dialect(session)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for kind in ("member_savings", "member_contribution"):
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
    found = await _accounts(session, pool.id, worker_id)
    return MemberAccounts(
        savings=found["member_savings"], contribution=found["member_contribution"]
    )


async def _accounts(
    session: AsyncSession, pool_id: uuid.UUID, worker_id: uuid.UUID | None
) -> dict[str, LedgerAccount]:
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


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
