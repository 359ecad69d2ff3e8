"""SMS gateways behind one small protocol, one adapter per gateway.

The dispatcher knows only `SmsProvider.send` and the two failure kinds, so a gateway is one
adapter module (`notifications/twilio.py`, `notifications/africastalking.py`) and one branch
in `notifications/gateways.py`, and nothing in the outbox changes. Every adapter tells a failure
worth retrying (`TemporaryFailure`: timeouts, 5xx, rate limits) from one that never will
succeed (`PermanentFailure`: an invalid number, a blocked recipient), because retrying the
second only spends money and annoys nobody but the gateway.

Each adapter documents its gateway's codes; a failure carries the gateway's `code`, which
the outbox keeps, and `RecipientOptedOut` (Twilio 21610, Africa's Talking 406) also stops
texts to the phone. Credentials and the sender belong in the adapter's constructor, read
from settings, so `provider_from_setting` stays the only place that parses the setting.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from core.clock import utcnow
from core.settings import Settings

try:  # POSIX: also keeps two processes (web and monthly run) from interleaving lines.
    import fcntl
except ImportError:  # pragma: no cover - Windows development machines
    fcntl = None  # type: ignore[assignment]


class ProviderError(Exception):
    """A gateway did not accept a message; subclasses say whether trying again can help.

    `code` is the gateway's own error code (Twilio `21211`), kept on the outbox row."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryFailure(ProviderError):
    """Worth another try later: the gateway was down, slow, or asked us to slow down."""


class PermanentFailure(ProviderError):
    """Will fail again however often it is tried: bad number, blocked or unreachable handset."""


class RecipientOptedOut(PermanentFailure):
    """The gateway says the recipient opted out (Twilio 21610): honoured as their STOP."""


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    """What a gateway needs to send one message; built by the dispatcher from an outbox row.

    `template` and `language` travel along so development and test providers can show which
    message this is without parsing localized text; real gateways ignore them.
    """

    to: str
    body: str
    template: str
    language: str
    outbox_id: str | None = None
    """The outbox row this came from, for gateways that echo a reference in status callbacks."""


@runtime_checkable
class SmsProvider(Protocol):
    """A gateway adapter. `send` returns the gateway's message id or raises a ProviderError."""

    async def send(self, message: OutgoingSms) -> str: ...


@dataclass(frozen=True, slots=True)
class SentSms:
    """A message as a development or test provider recorded it."""

    id: str
    to: str
    body: str
    template: str
    language: str
    created_at: datetime

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "to": self.to,
            "body": self.body,
            "template": self.template,
            "language": self.language,
            "created_at": self.created_at.isoformat(),
        }


def _record(message: OutgoingSms, prefix: str) -> SentSms:
    return SentSms(
        id=f"{prefix}-{uuid.uuid4().hex}",
        to=message.to,
        body=message.body,
        template=message.template,
        language=message.language,
        created_at=utcnow(),
    )


class FileSmsProvider:
    """Appends each message as one JSON line, for development and the demo.

    A developer (or `tail -f`) reads sign-in codes from the file instead of a phone. Lines are
    written whole under a lock so concurrent sends, in this process or another, never
    interleave and every line stays valid JSON. The file holds working sign-in codes, so it
    is created readable by its owner only, and a copy left readable by others is narrowed.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FileSmsProvider({str(self.path)!r})"

    async def send(self, message: OutgoingSms) -> str:
        sent = _record(message, "file")
        line = json.dumps(sent.as_json(), ensure_ascii=False) + "\n"
        try:
            await asyncio.to_thread(self._append, line)
        except OSError as exc:
            # A full disk or a missing permission will not fix itself between retries of one
            # message, but it might after an operator acts; let the backoff give them time.
            raise TemporaryFailure(f"cannot write {self.path}: {exc}") from exc
        return sent.id

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if os.fstat(descriptor).st_mode & 0o077:
            os.fchmod(descriptor, 0o600)
        with self._lock, os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                handle.write(line)
                handle.flush()
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class MemorySmsProvider:
    """Keeps messages in a list, for tests that need to read what a worker received.

    `fail_next` queues failures the next sends raise, one per send, so tests can drive the
    retry path through the real dispatcher without a fake gateway of their own.
    """

    def __init__(self) -> None:
        self.sent: list[SentSms] = []
        self._failures: list[ProviderError] = []

    def __repr__(self) -> str:
        return f"MemorySmsProvider(sent={len(self.sent)})"

    async def send(self, message: OutgoingSms) -> str:
        if self._failures:
            raise self._failures.pop(0)
        sent = _record(message, "mem")
        self.sent.append(sent)
        return sent.id

    def fail_next(self, *failures: ProviderError) -> None:
        """Make the next sends raise these failures, in order, before sending succeeds again."""
        self._failures.extend(failures)

    def messages_to(self, phone: str) -> list[SentSms]:
        return [sent for sent in self.sent if sent.to == phone]

    def last_to(self, phone: str) -> SentSms | None:
        """The latest message to the phone, e.g. to read the sign-in code a test just asked for."""
        for sent in reversed(self.sent):
            if sent.to == phone:
                return sent
        return None

    def clear(self) -> None:
        self.sent.clear()
        self._failures.clear()


def provider_from_setting(setting: str, settings: Settings | None = None) -> SmsProvider:
    """The provider `MUTUA_SMS_PROVIDER` names: `file:PATH`, `memory`, `twilio` or
    `africastalking` (the gateways take their credentials from `settings`).

    A typo here would otherwise silently drop every sign-in code, so anything unrecognised is
    an error at start-up rather than at the first send.
    """
    value = setting.strip()
    scheme, separator, rest = value.partition(":")
    if value == "memory":
        return MemorySmsProvider()
    if value in ("twilio", "africastalking"):
        if settings is None:
            raise ValueError(f"MUTUA_SMS_PROVIDER={value} needs the gateway's settings")
        from notifications.gateways import gateway_provider

        return gateway_provider(value, settings)
    if scheme == "file" and separator:
        if not rest.strip():
            raise ValueError("MUTUA_SMS_PROVIDER=file:PATH needs a path, e.g. file:var/sms.jsonl")
        return FileSmsProvider(Path(rest.strip()))
    raise ValueError(
        f"MUTUA_SMS_PROVIDER={setting!r} is not a known SMS provider; "
        "use file:PATH (one JSON line per message), memory (tests), twilio or africastalking"
    )
