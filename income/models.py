"""Where a worker's income comes from and what it was, month by month.

Every record carries an external id unique within its source, so importing the same
statement, bank feed or SMS twice adds nothing.
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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from actuarial.platforms import PLATFORMS
from core.base import Base
from core.clock import utcnow
from core.ids import new_id

SOURCE_KINDS = ("manual", "csv", "plaid", "sms")

_PLATFORM_SQL = ", ".join(f"'{p}'" for p in PLATFORMS)
_KIND_SQL = ", ".join(f"'{k}'" for k in SOURCE_KINDS)


class IncomeSource(Base):
    """One channel of income data for a worker: manual entry, a statement upload, a bank link."""

    __tablename__ = "income_sources"
    __table_args__ = (
        UniqueConstraint("worker_id", "kind", "platform"),
        CheckConstraint(f"kind IN ({_KIND_SQL})", name="kind"),
        CheckConstraint(f"platform IN ({_PLATFORM_SQL})", name="platform"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncomeRecord(Base):
    """Income earned on a platform, dated to a day when the source knows it, else a month."""

    __tablename__ = "income_records"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id"),
        CheckConstraint("amount_minor >= 0", name="non_negative"),
        CheckConstraint(f"platform IN ({_PLATFORM_SQL})", name="platform"),
        CheckConstraint(f"kind IN ({_KIND_SQL})", name="kind"),
        Index("ix_income_records_worker_period", "worker_id", "period"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workers.id"))
    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("income_sources.id"))
    platform: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(7))
    """Calendar month (YYYY-MM) the income was earned in."""
    earned_on: Mapped[date | None] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    """Gross income in minor units of `currency`."""
    currency: Mapped[str] = mapped_column(String(3))
    external_id: Mapped[str] = mapped_column(String(128))
    """Stable id of the record within its source; a re-import with the same id adds nothing."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
