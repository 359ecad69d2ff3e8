"""Bank links and the money-in lines they bring, kept apart from income until recognised.

Only money coming in is stored (a driver's card spending is none of Mutua's business); each
line says what Mutua made of it (`classification`) and, when it became income, which
income record it made, so a later `modified` or `removed` from the bank can follow it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from actuarial.platforms import PLATFORMS
from core.base import Base
from core.clock import utcnow
from core.ids import new_id

ITEM_STATUSES = ("active", "login_required", "removed")
CLASSIFICATIONS = ("platform", "transfer", "not_income", "unreviewed")
"""`platform`: income from `platform`; `transfer`: the worker's own money moving between
their accounts; `not_income`: a refund, a gift, a tax refund...; `unreviewed`: nothing
matched, the worker is asked."""
DECIDERS = ("rule", "worker", "remembered")

_PLATFORM_SQL = ", ".join(f"'{p}'" for p in PLATFORMS)


def _sql_in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class BankItem(Base):
    """One login at one bank (Plaid's "item"), with the cursor of its transactions feed."""

    __tablename__ = "bank_items"
    __table_args__ = (
        CheckConstraint(f"status IN ({_sql_in(ITEM_STATUSES)})", name="status"),
        Index("ix_bank_items_worker_id", "worker_id"),
        Index("ix_bank_items_sync_requested_at", "sync_requested_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workers.id"))
    plaid_item_id: Mapped[str] = mapped_column(String(64), unique=True)
    access_token_sealed: Mapped[str] = mapped_column(Text)
    """The access token, sealed by `core.sealing` (AES-GCM, key id inside); emptied when the
    link is removed. Never returned, logged, or put in an error."""
    institution_id: Mapped[str | None] = mapped_column(String(32))
    institution_name: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="active")
    error_code: Mapped[str | None] = mapped_column(String(64))
    """Plaid's last error on this item (`ITEM_LOGIN_REQUIRED`: the worker must reconnect)."""
    cursor: Mapped[str | None] = mapped_column(Text)
    """Where the last complete `/transactions/sync` update ended; an update that fails half
    way starts again from here."""
    sync_requested_at: Mapped[datetime | None] = mapped_column()
    """Set by a webhook or a new link, cleared by the sync that follows: the sync queue."""
    last_synced_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column()


class BankAccount(Base):
    """An account under an item; its mask tells the worker's own transfers from income."""

    __tablename__ = "bank_accounts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bank_items.id"))
    plaid_account_id: Mapped[str] = mapped_column(String(64), unique=True)
    mask: Mapped[str | None] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(String(128))
    subtype: Mapped[str | None] = mapped_column(String(32))


class BankDeposit(Base):
    """Money that came into a linked account, and what Mutua made of it."""

    __tablename__ = "bank_deposits"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="positive"),
        CheckConstraint(f"classification IN ({_sql_in(CLASSIFICATIONS)})", name="classification"),
        CheckConstraint(f"decided_by IN ({_sql_in(DECIDERS)})", name="decided_by"),
        CheckConstraint(f"platform IS NULL OR platform IN ({_PLATFORM_SQL})", name="platform"),
        Index("ix_bank_deposits_worker_classification", "worker_id", "classification"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bank_items.id"))
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workers.id"))
    transaction_id: Mapped[str] = mapped_column(String(64), unique=True)
    """Plaid's `transaction_id`; also the income record's external id."""
    plaid_account_id: Mapped[str] = mapped_column(String(64))
    posted_on: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    """Money in, in minor units of `currency` (Plaid's negative amount, sign flipped)."""
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(256))
    counterparty_key: Mapped[str] = mapped_column(String(128))
    """Who paid, folded (`UBER`, `ZELLE FROM MARIA LOPEZ`): the worker's answer about one
    deposit is remembered for every deposit with the same key."""
    classification: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(16), default="rule")
    income_record_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("income_records.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CounterpartyChoice(Base):
    """A worker's answer about who pays them: this counterparty is `platform`, or (null)
    it is not income."""

    __tablename__ = "counterparty_choices"
    __table_args__ = (
        UniqueConstraint("worker_id", "counterparty_key"),
        CheckConstraint(f"platform IS NULL OR platform IN ({_PLATFORM_SQL})", name="platform"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workers.id"))
    counterparty_key: Mapped[str] = mapped_column(String(128))
    platform: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlaidWebhookReceipt(Base):
    """Each verified webhook once: a replayed `Plaid-Verification` token has no second effect."""

    __tablename__ = "plaid_webhook_receipts"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    plaid_item_id: Mapped[str | None] = mapped_column(String(64))
    webhook_type: Mapped[str] = mapped_column(String(32))
    webhook_code: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
