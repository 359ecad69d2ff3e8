"""Queueing and reading outbox rows the way requests and operators do, for the tests."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifications.models import OutboxMessage
from notifications.outbox import enqueue_sms

Factory = async_sessionmaker[AsyncSession]
PHONE = "+15551230001"


def _values(template: str, i: int) -> dict[str, object]:
    return {"code": f"{i:06d}", "minutes": 10} if template == "auth.sign_in_code" else {}


async def queue_messages(
    factory: Factory, count: int = 1, *, to: str = PHONE, template: str = "sms.started"
) -> None:
    """Queue and commit messages the way a request does; `sms.started` never expires."""
    async with factory() as session, session.begin():
        for i in range(count):
            await enqueue_sms(
                session, to=to, template=template, language="en", values=_values(template, i)
            )


async def all_messages(factory: Factory) -> list[OutboxMessage]:
    async with factory() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def only_message(factory: Factory) -> OutboxMessage:
    (message,) = await all_messages(factory)
    return message
