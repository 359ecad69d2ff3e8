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
from channels.replies import Reply
from i18n import TEMPLATES
from notifications.outbox import DEDUP_KEY_MAX, enqueue_sms

MESSAGE_ID_MAX = 64


async def receive(
    sessions: async_sessionmaker[AsyncSession],
    *,
    gateway: str,
    message_id: str,
    phone: str,
    body: str,
    context: Context,
    reply_by_outbox: bool = False,
) -> str | None:
    """The reply text for the message (None: reply with nothing), committed with its effects.

    `reply_by_outbox` is for a gateway that cannot answer in the same HTTP exchange (Africa's
    Talking): the reply is queued in the outbox in the same transaction, keyed by the
    gateway's message id, so a retried callback queues nothing more.
    """
    try:
        async with sessions() as session, session.begin():
            seen = await repository.inbound(session, gateway, message_id)
            if seen is not None:
                return seen.reply
            reply = await converse(session, phone, body, context)
            await _record(session, gateway, message_id, phone, reply, context.now)
            if reply_by_outbox:
                await _queue(session, gateway, message_id, phone, reply)
            return reply.text
    except IntegrityError:
        async with sessions() as session:
            seen = await repository.inbound(session, gateway, message_id)
            if seen is None:
                raise
            return seen.reply


async def _queue(
    session: AsyncSession, gateway: str, message_id: str, phone: str, reply: Reply
) -> None:
    if reply.template not in TEMPLATES or reply.language is None or reply.values is None:
        return  # no reply, or a refusal worded by a problem title: nothing to queue
    await enqueue_sms(
        session,
        to=phone,
        template=reply.template,
        language=reply.language,
        values=reply.values,
        dedup_key=f"reply:{gateway}:{message_id}"[:DEDUP_KEY_MAX],
    )


async def _record(
    session: AsyncSession,
    gateway: str,
    message_id: str,
    phone: str,
    reply: Reply,
    now: datetime,
) -> None:
    await repository.record_inbound(
        session, gateway, message_id, phone, reply.command[:16], reply.text, now
    )
