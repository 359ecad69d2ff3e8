"""What the channels keep: each inbound message once, and each phone's open exchange.

`inbound_messages` makes a gateway's retry harmless: the message id a gateway gives
(Twilio's `MessageSid`) is unique per gateway, and a retry is answered with the reply
stored the first time. The body itself is not kept: an appeal's text lives in the appeal,
income in its record, and nothing else a worker texts needs keeping.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.clock import utcnow
from core.ids import new_id


class InboundMessage(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("gateway", "message_id"),
        Index("ix_inbound_messages_phone_e164_created_at", "phone_e164", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    gateway: Mapped[str] = mapped_column(String(16))
    """`twilio` or `africastalking`."""
    message_id: Mapped[str] = mapped_column(String(64))
    """The gateway's id of the message (`MessageSid`); a retry carries the same one."""
    phone_e164: Mapped[str] = mapped_column(String(16))
    command: Mapped[str | None] = mapped_column(String(16))
    """What the message was read as (`INCOME`, `STOP`, `unknown`), for counts and support."""
    reply: Mapped[str | None] = mapped_column(Text)
    """The reply sent back, exactly, so a retry gets the same words; None for no reply."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationState(Base):
    """A multi-step exchange under way with one phone (which platform? which month?)."""

    __tablename__ = "conversation_states"

    phone_e164: Mapped[str] = mapped_column(String(16), primary_key=True)
    flow: Mapped[str] = mapped_column(String(16))
    """`income` is the only flow so far."""
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """What was read so far: amount, currency, platform, period; never free text."""
    expires_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
