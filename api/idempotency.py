"""`Idempotency-Key` on POSTs, as an ASGI middleware around the whole app.

A worker on a bad connection retries; the retry must not join a pool twice or import a
statement twice. The first request with a key is recorded as in flight before it runs; its
response is stored when it completes, before it is sent. A replay returns that response;
the same key with a different body is 422; a replay while the first is still running is
409. Server errors are not stored, so the client may retry them.

Keys belong to signed-in callers only. A request without a valid token cannot have done
anything worth replaying (it is refused with 401), so it is passed on as if it had no key
and nothing is stored, or anyone could fill the table by sending keys. A 401 is
not stored either, so a retry after signing in again is a first attempt.

An in-flight record holds a lease (`Settings.idempotency_lease_seconds`) that the request
renews while it runs. A request that dies with its process stops renewing, and as soon as
its lease is past, a retry takes the key over instead of waiting minutes for a timeout.

Completed records answer replays for `KEPT_FOR`; `purge_expired` deletes older ones in
bounded sweeps (`mutua purge`, and the scheduler).

Routes with `opt={"idempotency": False}` (sign-in) are left alone: their answers are
access tokens, which must not rest in a table, and their retries are safe by design.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.idempotency_models import IdempotencyRecord
from api.problems import PROBLEM_JSON, problem_body, problem_language
from api.tokens import bearer_token, read_token
from core.clock import utcnow
from core.errors import MutuaError
from core.logs import loggable

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger(__name__)

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
KEY_PATTERN = re.compile(r"[ -~]*[!-~][ -~]*")
"""Printable ASCII, not all spaces: what an HTTP header carries portably (a UUID, a hash)."""
KEPT_FOR = timedelta(hours=24)
"""A completed key answers replays for a day, as payment APIs do; after that the key is free
again, so a client reusing keys over months starts a new request instead of getting a stale
answer."""
NOT_STORED = frozenset({401})
"""Answers released like server errors: a caller who was not signed in did nothing."""


async def purge_expired(
    session: AsyncSession, now: datetime | None = None, limit: int = 1000
) -> int:
    """Delete up to `limit` records older than `KEPT_FOR`; returns how many went.

    Completed ones that old answer no replay any more, and one still "in flight" after a
    day belongs to a request long dead. Bounded so each sweep is a short transaction; the
    caller commits, and sweeps again while it keeps getting `limit`.
    """
    cutoff = (now or utcnow()) - KEPT_FOR
    victims = (
        select(IdempotencyRecord.id)
        .where(IdempotencyRecord.created_at < cutoff)
        .order_by(IdempotencyRecord.created_at)
        .limit(limit)
    )
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(victims))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class BodyTooLarge(Exception):
    pass


def _problem(status: int, slug: str, title: str, detail: str, language: str) -> tuple[int, bytes]:
    """A problem titled in `language` (`title` is the English fallback), as `api.problems`."""
    body = problem_body(status, slug, title, detail, language)
    return status, msgspec.json.encode(body)


async def _send_response(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    replayed: bool = False,
    language: str | None = None,
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    if language is not None:
        headers.append((b"content-language", language.encode()))
        headers.append((b"vary", b"Accept-Language"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _response_of(messages: list[Message]) -> tuple[int, str, bytes]:
    """Status, content type and body of a response held as ASGI messages; 500 when the app
    never started one."""
    status, content_type, chunks = 500, "application/json", []
    for message in messages:
        if message["type"] == "http.response.start":
            status = int(message["status"])
            for name, value in message.get("headers", []):
                if name.lower() == b"content-type":
                    content_type = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
    return status, content_type, b"".join(chunks)


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        handler = scope.get("route_handler")
        if handler is not None and handler.opt.get("idempotency") is False:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_key = headers.get(HEADER)
        state = scope["app"].state
        principal = self._principal(headers, state.settings.secret_key)
        if raw_key is None or principal is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        accept_language = headers.get(b"accept-language", b"").decode("latin-1")
        language = problem_language(accept_language)
        if not KEY_PATTERN.fullmatch(key) or len(key) > MAX_KEY_LENGTH:
            status, body = _problem(
                400,
                "invalid-idempotency-key",
                "The Idempotency-Key header is not valid",
                f"use 1 to {MAX_KEY_LENGTH} printable characters of ASCII, such as a UUID",
                language,
            )
            await _send_response(send, status, body, PROBLEM_JSON, language=language)
            return
        try:
            body = await _read_body(receive, state.settings.max_body_bytes)
        except BodyTooLarge:
            status, problem = _problem(
                413,
                "body-too-large",
                "The request body is too large",
                "the limit is 1 MiB",
                language,
            )
            await _send_response(send, status, problem, PROBLEM_JSON, language=language)
            return
        digest = self._digest(scope, headers, body)
        factory: async_sessionmaker[AsyncSession] = state.session_factory
        lease = timedelta(seconds=state.settings.idempotency_lease_seconds)
        outcome = await self._claim(factory, principal, key, scope, digest, language, lease)
        if isinstance(outcome, tuple):
            status, answer, content_type, replayed = outcome
            # A replay is the first response as it was; a refusal here is a fresh problem.
            await _send_response(
                send,
                status,
                answer,
                content_type,
                replayed=replayed,
                language=None if replayed else language,
            )
            return
        await self._run_and_store(factory, outcome, lease, body, scope, receive, send)

    @staticmethod
    def _principal(headers: dict[bytes, bytes], secret: str) -> str | None:
        """The signed-in caller the key belongs to; None when the request has no valid token."""
        token = bearer_token(headers.get(b"authorization", b"").decode("latin-1"))
        if not token:
            return None
        try:
            return read_token(secret, token).key
        except MutuaError:
            return None

    @staticmethod
    def _digest(scope: Scope, headers: dict[bytes, bytes], body: bytes) -> str:
        parts = [
            scope["method"].encode(),
            scope["path"].encode(),
            scope.get("query_string", b""),
            headers.get(b"content-type", b""),
            body,
        ]
        return hashlib.sha256(b"\x00".join(parts)).hexdigest()

    async def _claim(
        self,
        factory: async_sessionmaker[AsyncSession],
        principal: str,
        key: str,
        scope: Scope,
        digest: str,
        language: str,
        lease: timedelta,
    ) -> uuid.UUID | tuple[int, bytes, str, bool]:
        """The id of the record this request now owns; else the response to send instead."""
        async with factory() as session:
            now = utcnow()
            record = IdempotencyRecord(
                principal=principal,
                key=key,
                method=scope["method"],
                path=scope["path"][:512],
                request_hash=digest,
                state="in_flight",
                created_at=now,
                lease_expires_at=now + lease,
            )
            try:
                session.add(record)
                await session.commit()
                return record.id
            except IntegrityError:
                await session.rollback()
            found = await session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.principal == principal, IdempotencyRecord.key == key
                )
            )
            if found is None:  # the other request failed and released the key meanwhile
                return await self._claim(factory, principal, key, scope, digest, language, lease)
            expired = found.state == "completed" and now - found.created_at > KEPT_FOR
            # A lease nobody renews belongs to a request that died with its process.
            abandoned = found.state == "in_flight" and (found.lease_expires_at or now) <= now
            if expired or abandoned:
                await session.execute(
                    delete(IdempotencyRecord).where(IdempotencyRecord.id == found.id)
                )
                await session.commit()
                return await self._claim(factory, principal, key, scope, digest, language, lease)
            if found.request_hash != digest:
                return (
                    *_problem(
                        422,
                        "idempotency-key-reused",
                        "This Idempotency-Key was used for a different request",
                        "use a new key for a new request",
                        language,
                    ),
                    PROBLEM_JSON,
                    False,
                )
            if found.state == "in_flight":
                return (
                    *_problem(
                        409,
                        "idempotency-request-in-flight",
                        "A request with this Idempotency-Key is still being processed",
                        "retry in a moment to get its response",
                        language,
                    ),
                    PROBLEM_JSON,
                    False,
                )
            return (
                found.response_status or 200,
                found.response_body or b"",
                found.response_content_type or "application/json",
                True,
            )

    @staticmethod
    async def _renew(
        factory: async_sessionmaker[AsyncSession], record_id: uuid.UUID, lease: timedelta
    ) -> None:
        """Keep the lease of a running request alive, a third of a lease at a time."""
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            try:
                async with factory() as session:
                    await session.execute(
                        update(IdempotencyRecord)
                        .where(
                            IdempotencyRecord.id == record_id,
                            IdempotencyRecord.state == "in_flight",
                        )
                        .values(lease_expires_at=utcnow() + lease)
                    )
                    await session.commit()
            except Exception as exc:  # a missed renewal is tried again; the request goes on
                log.warning("could not renew an idempotency lease\n%s", loggable(exc))

    async def _run_and_store(
        self,
        factory: async_sessionmaker[AsyncSession],
        record_id: uuid.UUID,
        lease: timedelta,
        body: bytes,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        # The response is held back until its record is stored: a client that has its answer
        # and retries at once must find the key completed, never still in flight.
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        # Only this request's own claim: after a takeover, a late finisher changes nothing.
        mine = IdempotencyRecord.id == record_id
        renewal = asyncio.create_task(self._renew(factory, record_id, lease))
        try:
            await self.app(scope, replay_body, hold)
        except BaseException:
            async with factory() as session:
                await session.execute(delete(IdempotencyRecord).where(mine))
                await session.commit()
            raise
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
        status, content_type, answer = _response_of(held)
        async with factory() as session:
            if status >= 500 or status in NOT_STORED:
                await session.execute(delete(IdempotencyRecord).where(mine))
            else:
                await session.execute(
                    update(IdempotencyRecord)
                    .where(mine)
                    .values(
                        state="completed",
                        response_status=status,
                        response_body=answer,
                        response_content_type=content_type[:100],
                        completed_at=utcnow(),
                        lease_expires_at=None,
                    )
                )
            await session.commit()
        for message in held:
            await send(message)
