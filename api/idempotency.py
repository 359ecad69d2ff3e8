"""`Idempotency-Key` on POSTs, as an ASGI middleware around the whole app.

A worker on a bad connection retries; the retry must not join a pool twice or import a
statement twice. The first request with a key is recorded as in flight before it runs; its
response is stored when it completes. A replay returns that response; the same key with a
different body is 422; a replay while the first is still running is 409. Server errors are
not stored, so the client may retry them.

Routes with `opt={"idempotency": False}` (sign-in) are left alone: their answers are
access tokens, which must not rest in a table, and their retries are safe by design.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import timedelta
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

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
ABANDONED_AFTER = timedelta(minutes=5)
KEPT_FOR = timedelta(hours=24)
"""A completed key answers replays for a day, as payment APIs do; after that the key is free
again, so a client reusing keys over months starts a new request instead of getting a stale
answer."""
"""An in-flight record older than this belongs to a request that died with its process."""


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
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        accept_language = headers.get(b"accept-language", b"").decode("latin-1")
        language = problem_language(accept_language)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            status, body = _problem(
                400,
                "invalid-idempotency-key",
                "The Idempotency-Key header is not valid",
                f"use 1 to {MAX_KEY_LENGTH} printable characters, such as a UUID",
                language,
            )
            await _send_response(send, status, body, PROBLEM_JSON, language=language)
            return
        state = scope["app"].state
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
        principal = self._principal(scope, headers, state.settings.secret_key)
        digest = self._digest(scope, headers, body)
        factory: async_sessionmaker[AsyncSession] = state.session_factory
        outcome = await self._claim(factory, principal, key, scope, digest, language)
        if outcome is not None:
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
        await self._run_and_store(factory, principal, key, body, scope, receive, send)

    @staticmethod
    def _principal(scope: Scope, headers: dict[bytes, bytes], secret: str) -> str:
        """Keys are per caller: a signed-in caller by id, anyone else by address."""
        token = bearer_token(headers.get(b"authorization", b"").decode("latin-1"))
        if token:
            try:
                return read_token(secret, token).key
            except MutuaError:
                pass
        client = scope.get("client") or ("unknown", 0)
        return f"anonymous:{client[0]}"

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
    ) -> tuple[int, bytes, str, bool] | None:
        """None if this request now owns the key; else the response to send instead."""
        async with factory() as session:
            try:
                session.add(
                    IdempotencyRecord(
                        principal=principal,
                        key=key,
                        method=scope["method"],
                        path=scope["path"][:512],
                        request_hash=digest,
                        state="in_flight",
                    )
                )
                await session.commit()
                return None
            except IntegrityError:
                await session.rollback()
            record = await session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.principal == principal, IdempotencyRecord.key == key
                )
            )
            if record is None:  # the other request failed and released the key meanwhile
                return await self._claim(factory, principal, key, scope, digest, language)
            if record.state == "completed" and utcnow() - record.created_at > KEPT_FOR:
                await session.execute(
                    delete(IdempotencyRecord).where(IdempotencyRecord.id == record.id)
                )
                await session.commit()
                return await self._claim(factory, principal, key, scope, digest, language)
            if record.request_hash != digest:
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
            if record.state == "in_flight":
                if utcnow() - record.created_at > ABANDONED_AFTER:
                    await session.execute(
                        delete(IdempotencyRecord).where(IdempotencyRecord.id == record.id)
                    )
                    await session.commit()
                    return await self._claim(factory, principal, key, scope, digest, language)
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
                record.response_status or 200,
                record.response_body or b"",
                record.response_content_type or "application/json",
                True,
            )

    async def _run_and_store(
        self,
        factory: async_sessionmaker[AsyncSession],
        principal: str,
        key: str,
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

        status = 500
        content_type = "application/json"
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        where = (IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)
        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            async with factory() as session:
                await session.execute(delete(IdempotencyRecord).where(*where))
                await session.commit()
            raise
        async with factory() as session:
            if status >= 500:
                await session.execute(delete(IdempotencyRecord).where(*where))
            else:
                await session.execute(
                    update(IdempotencyRecord)
                    .where(*where)
                    .values(
                        state="completed",
                        response_status=status,
                        response_body=b"".join(chunks),
                        response_content_type=content_type[:100],
                        completed_at=utcnow(),
                    )
                )
            await session.commit()
