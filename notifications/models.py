"""The outbox: messages written in the same transaction as the change they report.

A message is sent only after that transaction commits, so a rolled-back request never texts
a worker about money that did not move.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.clock import utcnow
from core.ids import new_id

OUTBOX_STATUSES = ("queued", "sent", "delivered", "undelivered", "failed")


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'sent', 'delivered', 'undelivered', 'failed')", name="status"
        ),
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_messages_provider_message_id", "provider_message_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    recipient: Mapped[str] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    """Built from ids and periods, never from localized text, so a retry in another language
    is still recognised as the same message."""
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    """The gateway's id (Twilio's `SM…` sid); delivery receipts find the row by it."""
    error_code: Mapped[str | None] = mapped_column(String(16))
    """The gateway's error code from a failed send or a delivery receipt (Twilio `30007`)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
