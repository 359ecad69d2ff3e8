"""Sending what the outbox holds, after the transactions that wrote it have committed.

Message lifecycle (`outbox_messages.status`):

    queued --send ok--> sent --delivery receipt--> delivered | undelivered | failed
       |  \\--temporary failure, attempts left--> queued (next_attempt_at pushed back)
       \\--permanent failure / attempts used up / opted out / expired--> failed

(receipts: `notifications/receipts.py`; a failure keeps the gateway's `error_code`)

Each message is handled in three short steps, each its own transaction:

1. **Claim**: lock the oldest due message (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the
   write lock on SQLite), re-check the suppression list and the message's shelf life, count
   the attempt and push `next_attempt_at` out by `CLAIM_LEASE`, commit. The message is now
   invisible to every other dispatcher for the lease, so two dispatchers never send it twice,
   and no lock or transaction is held while the gateway is on the line (on SQLite that
   would stall every writer in the process for the length of an HTTP call).
2. **Send**, outside any transaction.
3. **Record** the outcome (sent, retry later, failed) and commit.

A crash between 1 and 3 loses nothing: the message is still `queued` and becomes due again
when the lease runs out. It may then be sent a second time if the crash came after the
gateway accepted it; that is the outbox's at-least-once promise, and why a lease is far
longer than any gateway timeout (a live dispatcher never has its claim taken over).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import utcnow
from core.logs import loggable
from notifications import repository
from notifications.outbox import SENT_WHEN_STOPPED
from notifications.providers import (
    OutgoingSms,
    PermanentFailure,
    RecipientOptedOut,
    SmsProvider,
    TemporaryFailure,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
"""Tries before a message that keeps failing temporarily is given up as `failed`."""
FIRST_RETRY_DELAY = timedelta(seconds=30)
BACKOFF_FACTOR = 4
"""30 s, 2 min, 8 min, 32 min, then the cap: about 2.7 hours from first try to giving up."""
MAX_RETRY_DELAY = timedelta(hours=2)
JITTER = 0.2
"""Each delay is spread ±20 % so messages that failed together do not retry in lockstep."""
CLAIM_LEASE = timedelta(minutes=5)
"""How long a claimed message stays invisible to other dispatchers while one sends it."""

EXPIRES_AFTER: Mapping[str, timedelta] = {"auth.sign_in_code": timedelta(minutes=10)}
"""Templates whose message is worthless once stale: a sign-in code that arrives after it
expired only confuses the worker, so it is failed as `expired` instead of sent late."""

_rng = random.Random()  # noqa: S311  (jitter only; nothing secret depends on it)


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait before the next try of a message that has failed `attempts` times (>= 1)."""
    if attempts < 1:
        raise ValueError("retry_delay counts from the first failed attempt")
    base = min(
        FIRST_RETRY_DELAY.total_seconds() * BACKOFF_FACTOR ** (attempts - 1),
        MAX_RETRY_DELAY.total_seconds(),
    )
    spread = (rng or _rng).uniform(1 - JITTER, 1 + JITTER)
    return timedelta(seconds=base * spread)


@dataclass(frozen=True, slots=True)
class DispatchReport:
    """What one pass over the outbox did, for logs and for tests."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


@dataclass(frozen=True, slots=True)
class _Claim:
    message_id: uuid.UUID
    attempts: int
    sms: OutgoingSms


_DROPPED: Literal["dropped"] = "dropped"
"""A claimed message that was failed without sending (expired, out of tries, opted out)."""


async def _claim(
    session_factory: async_sessionmaker[AsyncSession], now: datetime
) -> _Claim | Literal["dropped"] | None:
    async with session_factory() as session, session.begin():
        message = await repository.claim_next_due(session, now)
        if message is None:
            return None
        shelf_life = EXPIRES_AFTER.get(message.template)
        if shelf_life is not None and now - message.created_at > shelf_life:
            await repository.mark_failed(session, message.id, "expired")
            return _DROPPED
        if message.attempts >= MAX_ATTEMPTS:
            # Every earlier claim ended without an outcome: the dispatcher died mid-send each
            # time. Stop before this message takes the process down once more.
            error = f"gave up after {message.attempts} attempts: no outcome recorded"
            await repository.mark_failed(session, message.id, error)
            return _DROPPED
        # Checked here, right before the send, and not only at enqueue: a STOP that arrived
        # while the message waited must still be honoured.
        if message.template not in SENT_WHEN_STOPPED and await repository.is_suppressed(
            session, message.recipient
        ):
            await repository.mark_failed(session, message.id, "suppressed")
            return _DROPPED
        message.attempts += 1
        message.next_attempt_at = now + CLAIM_LEASE
        return _Claim(
            message_id=message.id,
            attempts=message.attempts,
            sms=OutgoingSms(
                to=message.recipient,
                body=message.body,
                template=message.template,
                language=message.language,
                outbox_id=str(message.id),
            ),
        )


async def _send_and_record(
    session_factory: async_sessionmaker[AsyncSession],
    provider: SmsProvider,
    claim: _Claim,
    now: datetime | None,
) -> str:
    """Send one claimed message and store the outcome: 'sent', 'retried' or 'failed'."""
    outcome, provider_id, code, opted_out = "", "", None, False
    try:
        provider_id = await provider.send(claim.sms)
    except PermanentFailure as exc:
        outcome, error, code = "failed", f"permanent: {exc}", exc.code
        opted_out = isinstance(exc, RecipientOptedOut)
    except Exception as exc:
        code = getattr(exc, "code", None)
        if not isinstance(exc, TemporaryFailure):
            # An adapter bug or an unwrapped network error: retry it like a temporary
            # failure, so one bad message cannot stop the loop, and make it loud.
            log.exception("SMS provider %r raised an unexpected error", provider)
        error = f"{type(exc).__name__}: {exc}"
        if claim.attempts >= MAX_ATTEMPTS:
            outcome, error = "failed", f"gave up after {claim.attempts} attempts: {error}"
        else:
            outcome = "retried"
    else:
        outcome, error = "sent", ""

    at = now or utcnow()
    async with session_factory() as session, session.begin():
        if outcome == "sent":
            await repository.mark_sent(session, claim.message_id, provider_id, at)
        elif outcome == "retried":
            next_at = at + retry_delay(claim.attempts)
            await repository.mark_retry(session, claim.message_id, error, next_at)
        else:
            await repository.mark_failed(session, claim.message_id, error, code)
        if opted_out:
            await repository.mark_phone_stopped(session, claim.sms.to)
    if outcome != "sent":
        log.warning("SMS %s (attempt %d) %s: %s", claim.message_id, claim.attempts, outcome, error)
    return outcome


async def dispatch_pending(
    session_factory: async_sessionmaker[AsyncSession],
    provider: SmsProvider,
    *,
    now: datetime | None = None,
    limit: int = 100,
) -> DispatchReport:
    """Send up to `limit` due messages, one claim at a time, and say what happened.

    `now` pins the clock (tests drive the backoff schedule with it); left out, each step
    reads the wall clock. Safe to run in several processes at once on PostgreSQL.
    """
    counts = {"sent": 0, "retried": 0, "failed": 0}
    for _ in range(limit):
        claim = await _claim(session_factory, now or utcnow())
        if claim is None:
            break
        if isinstance(claim, str):
            counts["failed"] += 1
            continue
        counts[await _send_and_record(session_factory, provider, claim, now)] += 1
    return DispatchReport(**counts)


class OutboxWorker:
    """Runs `dispatch_pending` in the background for the lifetime of the app.

    It wakes every `interval` seconds to pick up retries and messages written by other
    processes (the monthly run), and at once when `kick()`ed, which a request calls right
    after its transaction commits so a sign-in code leaves within milliseconds, not seconds.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        provider: SmsProvider,
        *,
        interval: float = 5.0,
        limit: int = 100,
    ) -> None:
        self.session_factory = session_factory
        self.provider = provider
        self.interval = interval
        self.limit = limit
        self._wake = asyncio.Event()
        self._pass = asyncio.Lock()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._wake.set()  # first pass straight away: messages may have waited for a restart
        self._task = asyncio.create_task(self._run(), name="mutua-outbox-worker")

    def kick(self) -> None:
        """Ask for a pass now; cheap, never blocks, harmless when the worker is stopped."""
        self._wake.set()

    async def flush(self) -> DispatchReport:
        """Run one pass now and wait for it (tests, CLI); never overlaps the loop's own pass."""
        async with self._pass:
            return await dispatch_pending(self.session_factory, self.provider, limit=self.limit)

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Let a send under way finish (up to `grace_seconds`), then end the loop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace_seconds)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def __aenter__(self) -> OutboxWorker:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            if self._stopping:
                break
            self._wake.clear()  # a kick during the pass below asks for one more pass
            try:
                report = await self.flush()
            except Exception as exc:
                # Database errors quote their values (recipients, bodies): log them redacted.
                log.error(
                    "outbox pass failed; retrying in %.0f s\n%s", self.interval, loggable(exc)
                )
                continue
            if report.handled >= self.limit:
                self._wake.set()  # a full batch: more are probably waiting
