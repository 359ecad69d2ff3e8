"""Sign-in by a one-time code sent by SMS: the only credential a worker without a smartphone
or an email address can use.

Codes are six digits, kept only as a keyed hash, valid for ten minutes and five guesses; a
phone gets at most five codes an hour, so neither guessing nor SMS bombing pays.

Every code is an SMS someone pays for, and "SMS pumping" makes a sign-in form send
thousands of them to numbers whose operators share the fee with the fraudster. So besides
the cap per phone, codes are limited per client address and overall per hour
(`CodeLimits`), and premium-rate, shared-cost and unrecognised numbers are never texted.
Each refusal is counted by reason (`REFUSALS`, read by `mutua refusals`) and logged with
the number's country only.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import ratelimit
from core.clock import utcnow
from core.db import lock_for_transaction
from core.errors import MutuaError, ValidationFailed
from core.phones import PhoneNotTextable, country_of, normalize_phone, require_textable
from core.ratelimit import Limit, counter_key
from i18n import choose_language
from notifications.outbox import enqueue_sms
from pools import repository
from pools.errors import (
    InvalidCode,
    SignInBusy,
    SmsOptedOut,
    TooManyAttempts,
    TooManyCodes,
    TooManyCodesFromAddress,
)
from pools.models import SignInCode, Worker

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5
CODE_WINDOW = timedelta(hours=1)
"""The window `MAX_CODES_PER_HOUR` counts over: a slot frees an hour after each code."""
REFUSALS = Limit("sign-in-codes:refused", 2**31 - 1, CODE_WINDOW)
"""Codes refused, counted per hour by reason (the key): a count, never a limit."""
_REASONS: dict[type[MutuaError], str] = {
    PhoneNotTextable: "number-type",
    TooManyCodesFromAddress: "per-address",
    TooManyCodes: "per-phone",
    SignInBusy: "hourly-budget",
}
_CODE_PATTERN = re.compile(r"^\d{6}$")


@dataclass(frozen=True, slots=True)
class CodeLimits:
    """Codes sent per hour, besides `MAX_CODES_PER_HOUR` to one phone."""

    per_address: int = 20
    """To any numbers, asked for from one client address (IPv6: one /64)."""
    per_hour: int = 1000
    """To anyone from anywhere: what a burst can cost at worst."""


def hash_code(secret: str, phone_e164: str, code: str) -> str:
    """Keyed with the server secret and bound to the phone: a leaked table of hashes cannot be
    brute-forced offline (a million codes) without the key."""
    message = f"{phone_e164}:{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


async def send_sign_in_code(
    session: AsyncSession,
    raw_phone: str,
    *,
    secret: str,
    accept_language: str | None = None,
    client: str | None = None,
    limits: CodeLimits | None = None,
    now: datetime | None = None,
) -> None:
    """Store a new code and queue its SMS in the caller's transaction; it leaves after commit.

    `client` is the requester's address for the per-address limit (None when the request
    did not come over the network, which then has no such limit). A refusal for one of
    the limits or the number type rolls the session back, counts the refusal, commits
    that count and raises: the count must outlive the refused request.
    """
    phone = normalize_phone(raw_phone)
    try:
        await _issue_code(
            session,
            phone,
            secret=secret,
            accept_language=accept_language,
            client=client,
            limits=limits or CodeLimits(),
            now=now or utcnow(),
        )
    except tuple(_REASONS) as refusal:
        reason = _REASONS[type(refusal)]
        await session.rollback()
        await ratelimit.hit(session, REFUSALS, reason, now)
        await session.commit()
        log.warning("sign-in code refused (%s) for a number in %s", reason, country_of(phone))
        raise


async def _issue_code(
    session: AsyncSession,
    phone: str,
    *,
    secret: str,
    accept_language: str | None,
    client: str | None,
    limits: CodeLimits,
    now: datetime,
) -> None:
    require_textable(phone)
    if client is not None:
        per_address = Limit("sign-in-codes:address", limits.per_address, CODE_WINDOW)
        verdict = await ratelimit.hit(session, per_address, counter_key(secret, client), now)
        if not verdict.allowed:
            raise TooManyCodesFromAddress(retry_after_seconds=verdict.retry_after_seconds)
    # Counting this phone's codes and adding one must not interleave with another request
    # doing the same, or fifty at once all count four and all send.
    await lock_for_transaction(session, f"sign-in-codes:{phone}")
    since = now - CODE_WINDOW
    if await repository.codes_sent_since(session, phone, since) >= MAX_CODES_PER_HOUR:
        oldest = await repository.oldest_code_since(session, phone, since)
        free_at = (oldest or now) + CODE_WINDOW
        seconds = math.ceil((free_at - now).total_seconds())
        wait = min(max(seconds, 1), int(CODE_WINDOW.total_seconds()))
        raise TooManyCodes(
            f"{MAX_CODES_PER_HOUR} codes were sent to this phone in the last hour; "
            f"the next may be asked for in {wait} seconds",
            retry_after_seconds=wait,
        )
    worker = await repository.worker_by_phone(session, phone)
    if worker is not None and worker.sms_opted_out:
        # Nothing can be texted to a phone that sent STOP; saying so beats a code that never
        # arrives. Texting START lifts it.
        raise SmsOptedOut()
    overall = Limit("sign-in-codes:all", limits.per_hour, CODE_WINDOW)
    verdict = await ratelimit.hit(session, overall, "all", now)
    if not verdict.allowed:
        raise SignInBusy(retry_after_seconds=verdict.retry_after_seconds)
    code = f"{secrets.randbelow(10**6):06d}"
    row = SignInCode(
        phone_e164=phone,
        code_hash=hash_code(secret, phone, code),
        created_at=now,
        expires_at=now + CODE_TTL,
        attempts=0,
    )
    session.add(row)
    await session.flush()
    language = choose_language(
        chosen=worker.language if worker else None,
        accept_language=accept_language,
        phone_e164=phone,
        pool_default=None,
    )
    await enqueue_sms(
        session,
        to=phone,
        template="auth.sign_in_code",
        language=language,
        values={"code": code, "minutes": int(CODE_TTL.total_seconds() // 60)},
        dedup_key=f"sign-in-code:{row.id}",
    )


async def verify_sign_in_code(
    session: AsyncSession, raw_phone: str, code: str, *, secret: str
) -> Worker:
    """The worker the code signs in, created on first sign-in.

    Unlike the other services this one commits: every guess is counted and committed before
    a wrong one is reported, or a caller could roll back its way to unlimited guesses."""
    phone = normalize_phone(raw_phone)
    if not isinstance(code, str) or not _CODE_PATTERN.match(code.strip()):
        raise ValidationFailed("the code is six digits", field="code")
    now = utcnow()
    row = await repository.newest_code_for_update(session, phone)
    if row is None or row.consumed_at is not None or row.expires_at <= now:
        raise InvalidCode()
    if row.attempts >= MAX_ATTEMPTS:
        raise TooManyAttempts()
    row.attempts += 1
    if not hmac.compare_digest(row.code_hash, hash_code(secret, phone, code.strip())):
        await session.commit()
        raise InvalidCode(attempts_left=MAX_ATTEMPTS - row.attempts)
    row.consumed_at = now
    worker = await _worker_for(session, phone)
    await session.commit()
    return worker


async def _worker_for(session: AsyncSession, phone: str) -> Worker:
    worker = await repository.worker_by_phone(session, phone)
    if worker is not None:
        return worker
    try:
        async with session.begin_nested():
            worker = Worker(phone_e164=phone, timezone="UTC", sms_opted_out=False)
            session.add(worker)
    except IntegrityError:  # signed in from two devices at once: the other one created it
        existing = await repository.worker_by_phone(session, phone)
        assert existing is not None
        return existing
    return worker
