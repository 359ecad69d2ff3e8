"""Writing messages to the outbox, inside the transaction of the change they report.

`enqueue_sms` never talks to a gateway: it adds a row to the caller's transaction, so the
message exists if and only if the change commits, and the dispatcher sends it afterwards.
A request that rolls back therefore never texts a worker about money that did not move,
and a gateway outage never fails a request.

Dedup keys name the event, not its wording: build them from ids, periods and kinds
(`payout:{pool_id}:{member_id}:2026-11`, `otp:{code_id}`), never from rendered or localized
text. The same event re-run after the worker switched language, or after a catalog fix, must
still be recognised as already queued, and a key made of text would not be.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.ids import new_id
from i18n import normalize_language, render_sms
from notifications.models import OutboxMessage
from notifications.repository import (
    dedup_key_exists,
    existing_dedup_keys,
    is_suppressed,
    suppressed_among,
)

log = logging.getLogger(__name__)

SENT_WHEN_STOPPED = frozenset({"sms.stopped"})
"""The one message a stopped phone still gets: the confirmation of its STOP. A gateway that
cannot answer inline (Africa's Talking) sends it through the outbox after the flag is set."""

DEDUP_KEY_MAX = 200
"""Width of `outbox_messages.dedup_key`."""

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class QueueWatch:
    """Whether the work of one request queued a message: only then is the outbox woken.

    Waking it costs a pass over the outbox (a transaction on the database); a request that
    queued nothing, like most texts to Mutua, would pay for one for nothing.
    """

    __slots__ = ("queued",)

    def __init__(self) -> None:
        self.queued = False


_WATCH: ContextVar[QueueWatch | None] = ContextVar("mutua_outbox_watch", default=None)


def watch_queueing() -> QueueWatch:
    """Start watching the current context (a request): what it queues from now sets the flag."""
    watch = QueueWatch()
    _WATCH.set(watch)
    return watch


def queued_here() -> bool:
    """Whether the current context queued a message; True when nobody was watching it."""
    watch = _WATCH.get()
    return watch is None or watch.queued


def _note_queued() -> None:
    watch = _WATCH.get()
    if watch is not None:
        watch.queued = True


def _check_arguments(to: str, dedup_key: str | None) -> None:
    """Refuse what can only be a caller's bug, before it becomes an undeliverable row."""
    if not _E164.match(to):
        raise ValueError(f"SMS recipient must be an E.164 number, got {len(to)} characters")
    if dedup_key is not None and (
        not dedup_key or len(dedup_key) > DEDUP_KEY_MAX or not dedup_key.isascii()
    ):
        # Non-ASCII is the tell-tale of localized text in a key (see the module docstring).
        raise ValueError(
            f"dedup_key must be 1-{DEDUP_KEY_MAX} ASCII characters built from ids and "
            f"periods, got {dedup_key!r}"
        )


async def enqueue_sms(
    session: AsyncSession,
    *,
    to: str,
    template: str,
    language: str,
    values: Mapping[str, object],
    dedup_key: str | None = None,
) -> OutboxMessage | None:
    """Queue one SMS in the caller's transaction; the caller commits, the dispatcher sends.

    Returns None and writes nothing when the recipient opted out (STOP is honoured before
    anything else) or when a message with the same `dedup_key` is already in the outbox, in
    any status: a re-run of the monthly run, or a retried request, must not text twice.
    """
    _check_arguments(to, dedup_key)
    if template not in SENT_WHEN_STOPPED and await is_suppressed(session, to):
        log.info("not queueing %s to an opted-out phone", template)
        return None
    if dedup_key is not None and await dedup_key_exists(session, dedup_key):
        return None

    # i18n checks each value against the template's declared kinds and raises TemplateError.
    rendered = render_sms(template, language, **cast("Mapping[str, Any]", values))
    if rendered.segments > rendered.budget:
        # Catalog checks in CI should make this impossible; sending a longer SMS beats
        # withholding a sign-in code, but someone must hear about it.
        log.warning(
            "%s in %s renders to %d segments, over its budget of %d",
            template,
            language,
            rendered.segments,
            rendered.budget,
        )
    message = OutboxMessage(
        channel="sms",
        recipient=to,
        template=template,
        language=normalize_language(language),  # the catalog the text came from: "es", not "es-MX"
        body=rendered.text,
        dedup_key=dedup_key,
        status="queued",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    _note_queued()
    if dedup_key is None:
        session.add(message)
        await session.flush()
        return message
    # Two transactions can both pass the existence check; the unique constraint decides, and
    # the savepoint keeps the loser's transaction usable for the rest of its work.
    try:
        async with session.begin_nested():
            session.add(message)
            await session.flush()
    except IntegrityError:
        if await dedup_key_exists(session, dedup_key):
            return None
        raise
    return message


@dataclass(frozen=True)
class QueuedSms:
    """One message of a batch; see `enqueue_sms` for what each field means."""

    to: str
    template: str
    language: str
    values: Mapping[str, object]
    dedup_key: str


async def enqueue_sms_batch(session: AsyncSession, messages: Sequence[QueuedSms]) -> int:
    """Queue many keyed messages in the caller's transaction with a constant number of
    statements: the monthly run writes a statement for every member of a chunk at once.

    The same rules as `enqueue_sms`: opted-out phones get nothing, a key already in the
    outbox (in any status) is not queued again. Returns how many were queued.
    """
    for message in messages:
        _check_arguments(message.to, message.dedup_key)
    suppressed = await suppressed_among(session, sorted({m.to for m in messages}))
    keys = [m.dedup_key for m in messages]
    if len(set(keys)) != len(keys):
        raise ValueError("a batch names the same dedup key twice")
    known = await existing_dedup_keys(session, keys)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for message in messages:
        if message.to in suppressed or message.dedup_key in known:
            continue
        rendered = render_sms(
            message.template, message.language, **cast("Mapping[str, Any]", message.values)
        )
        if rendered.segments > rendered.budget:
            log.warning(
                "%s in %s renders to %d segments, over its budget of %d",
                message.template,
                message.language,
                rendered.segments,
                rendered.budget,
            )
        rows.append(
            {
                "id": new_id(),
                "channel": "sms",
                "recipient": message.to,
                "template": message.template,
                "language": normalize_language(message.language),
                "body": rendered.text,
                "dedup_key": message.dedup_key,
                "status": "queued",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    if rows:
        _note_queued()
        await session.execute(insert(OutboxMessage), rows)
    return len(rows)
