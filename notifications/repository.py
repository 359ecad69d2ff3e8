"""Every query the outbox runs, so locking and suppression rules live in one place."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import case, exists, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.models import OutboxMessage
from pools.models import Worker

LAST_ERROR_MAX = 500
"""Width of `outbox_messages.last_error`; gateway messages are cut to fit."""


async def is_suppressed(session: AsyncSession, phone: str) -> bool:
    """Whether the phone belongs to a worker who texted STOP.

    A phone with no worker yet (a first sign-in) is not suppressed: nobody asked us to stop.
    """
    opted_out = await session.scalar(select(Worker.sms_opted_out).where(Worker.phone_e164 == phone))
    return bool(opted_out)


async def dedup_key_exists(session: AsyncSession, dedup_key: str) -> bool:
    return bool(await session.scalar(select(exists().where(OutboxMessage.dedup_key == dedup_key))))


async def claim_next_due(session: AsyncSession, now: datetime) -> OutboxMessage | None:
    """Lock the oldest due queued message that no other dispatcher holds.

    On PostgreSQL `FOR UPDATE SKIP LOCKED` lets concurrent dispatchers pass over each other's
    rows instead of waiting or taking the same one; a row another dispatcher claimed and
    committed meanwhile is re-checked against the WHERE clause and skipped. SQLite has no row
    locks (the clause is left out there) but every transaction starts with BEGIN IMMEDIATE,
    so claims are serialised by the database-wide write lock.
    """
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(statement)).first()


SECRET_TEMPLATES = frozenset({"auth.sign_in_code"})
"""Messages whose text is a credential: once sent or given up on, the stored body is
replaced, so reading the outbox table never yields a live sign-in code."""
REDACTED_BODY = "[redacted]"


def _body_after_delivery() -> Any:
    return case(
        (OutboxMessage.template.in_(SECRET_TEMPLATES), literal(REDACTED_BODY)),
        else_=OutboxMessage.body,
    )


async def mark_sent(
    session: AsyncSession, message_id: uuid.UUID, provider_message_id: str, now: datetime
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            status="sent",
            body=_body_after_delivery(),
            provider_message_id=provider_message_id,
            sent_at=now,
            last_error=None,
        )
    )


async def mark_retry(
    session: AsyncSession, message_id: uuid.UUID, error: str, next_attempt_at: datetime
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status="queued", last_error=error[:LAST_ERROR_MAX], next_attempt_at=next_attempt_at)
    )


async def mark_failed(
    session: AsyncSession, message_id: uuid.UUID, error: str, error_code: str | None = None
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            status="failed",
            body=_body_after_delivery(),
            last_error=error[:LAST_ERROR_MAX],
            error_code=(error_code or "")[:16] or None,
        )
    )


async def suppressed_among(session: AsyncSession, phones: list[str]) -> set[str]:
    """The phones, of those given, whose worker texted STOP."""
    if not phones:
        return set()
    rows = await session.scalars(
        select(Worker.phone_e164).where(Worker.phone_e164.in_(phones), Worker.sms_opted_out)
    )
    return set(rows)


async def existing_dedup_keys(session: AsyncSession, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    rows = await session.scalars(
        select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(keys))
    )
    return {key for key in rows if key is not None}


async def messages_to(session: AsyncSession, phone: str) -> list[OutboxMessage]:
    """Every message queued for a phone, oldest first (for the worker's export of their data)."""
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.recipient == phone)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return list(rows)


async def newest_message_to(
    session: AsyncSession, phone: str, template: str
) -> OutboxMessage | None:
    """The latest message of a template queued for a phone, in any status."""
    return await session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.recipient == phone, OutboxMessage.template == template)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(1)
    )


async def message_by_provider_id(
    session: AsyncSession, gateway_id: str, *, for_update: bool = False
) -> OutboxMessage | None:
    """The message a gateway knows by `gateway_id` (its receipt names nothing else)."""
    query = select(OutboxMessage).where(OutboxMessage.provider_message_id == gateway_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query.limit(1))


async def mark_phone_stopped(session: AsyncSession, phone: str) -> None:
    """The gateway says the phone opted out (Twilio 21610): honour it as a STOP."""
    await session.execute(
        update(Worker).where(Worker.phone_e164 == phone).values(sms_opted_out=True)
    )
