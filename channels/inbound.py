"""An inbound message from a gateway, handled exactly once per gateway message id.

The conversation runs in one transaction with the record of the message, so a gateway's
retry (same `MessageSid`) finds the record and gets the first reply back, with no second
effect. Two deliveries of one message at once: the unique (gateway, message id) decides,
the loser's whole transaction rolls back (its effects with it) and it answers with the
winner's reply.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels import repository
from channels.conversation import Context, converse
from channels.models import InboundMessage
from channels.replies import Reply

MESSAGE_ID_MAX = 64


async def receive(
    sessions: async_sessionmaker[AsyncSession],
    *,
    gateway: str,
    message_id: str,
    phone: str,
    body: str,
    context: Context,
) -> str | None:
    """The reply text for the message (None: reply with nothing), committed with its effects."""
    try:
        async with sessions() as session, session.begin():
            seen = await repository.inbound(session, gateway, message_id)
            if seen is not None:
                return seen.reply
            reply = await converse(session, phone, body, context)
            await _record(session, gateway, message_id, phone, reply, context.now)
            return reply.text
    except IntegrityError:
        async with sessions() as session:
            seen = await repository.inbound(session, gateway, message_id)
            if seen is None:
                raise
            return seen.reply


async def _record(
    session: AsyncSession,
    gateway: str,
    message_id: str,
    phone: str,
    reply: Reply,
    now: datetime,
) -> None:
    session.add(
        InboundMessage(
            gateway=gateway,
            message_id=message_id,
            phone_e164=phone,
            command=reply.command[:16],
            reply=reply.text,
            created_at=now,
        )
    )
    await session.flush()
