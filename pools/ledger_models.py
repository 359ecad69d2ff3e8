"""Ledger tables: accounts and the append-only, double-entry transfers between them.

Balances are kept on the account as posted debits and credits (as TigerBeetle does). A batch
locks its accounts, checks the no-negative rule against their balances in order, and moves
them in one UPDATE; the `no_overdraft` CHECK below holds the rule even against a writer that
skipped the lock, without reading the whole history.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.clock import utcnow
from core.ids import new_id

POOL_ACCOUNT_KINDS = ("world", "reserve", "receivable")
MEMBER_ACCOUNT_KINDS = ("member_savings", "member_contribution", "member_arrears")
ACCOUNT_KINDS = POOL_ACCOUNT_KINDS + MEMBER_ACCOUNT_KINDS
"""`world` stands for money outside Mutua (bank, platforms): it goes negative as money comes
in. `reserve` is the pool's benefit fund. Each member has a savings and a contribution
account.

Contributions a member could not pay are explicit, not a negative balance: the amount owed
is credited to the member's `member_arrears` account (its balance is what they owe) and
debited to the pool's `receivable`, which goes negative by the total owed to the pool, as
`world` does for money brought in. Clearing arrears moves it back, and the no-overdraft rule
on `member_arrears` means nobody can clear more than they owe. The reserve holds only money
really collected, so it never pays benefits out of promises."""

_KIND_SQL = ", ".join(f"'{kind}'" for kind in ACCOUNT_KINDS)
_POOL_KIND_SQL = ", ".join(f"'{kind}'" for kind in POOL_ACCOUNT_KINDS)

TRANSFER_REASONS = (
    "income_saved",
    "savings_withdrawal",
    "contribution",
    "contribution_to_reserve",
    "smoothing_payout",
    "benefit",
    "reserve_funding",
    "adjustment",
    "reversal",
    "arrears_settled",
    "arrears_cleared",
    "contribution_owed",
    "catchup",
)
"""`contribution` and `catchup` move money from a member's savings to the reserve;
`contribution_owed` records what savings could not cover (receivable → member_arrears);
`arrears_settled` pays owed money from savings into the reserve and `arrears_cleared` takes
the same amount off the member's arrears (member_arrears → receivable)."""


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("pool_id", "kind", "worker_id"),
        CheckConstraint(f"kind IN ({_KIND_SQL})", name="kind"),
        CheckConstraint(
            f"(worker_id IS NULL) = (kind IN ({_POOL_KIND_SQL}))", name="worker_matches_kind"
        ),
        CheckConstraint("debits_posted_minor >= 0 AND credits_posted_minor >= 0", name="posted"),
        CheckConstraint(
            "NOT debits_must_not_exceed_credits OR debits_posted_minor <= credits_posted_minor",
            name="no_overdraft",
        ),
        Index("ix_ledger_accounts_worker_id", "worker_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"))
    worker_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("workers.id"))
    kind: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3))
    debits_must_not_exceed_credits: Mapped[bool] = mapped_column(Boolean)
    """True for member accounts: a member's own money never goes negative."""
    debits_posted_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_posted_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def balance_minor(self) -> int:
        """Credits minus debits: what the account holds (negative only for `world`)."""
        return self.credits_posted_minor - self.debits_posted_minor


class LedgerTransfer(Base):
    """One movement of money. Never updated or deleted (a trigger refuses it)."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="positive_amount"),
        CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
        CheckConstraint("(reason = 'reversal') = (reverses_id IS NOT NULL)", name="reversal"),
        UniqueConstraint("reverses_id"),
        Index("ix_ledger_transfers_debit_account_id", "debit_account_id"),
        Index("ix_ledger_transfers_credit_account_id", "credit_account_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    """Made by the caller: the transfer's idempotency key."""
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"))
    debit_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"))
    credit_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(32))
    period: Mapped[str | None] = mapped_column(String(7))
    """Calendar month (YYYY-MM) the movement belongs to, when it belongs to one."""
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
