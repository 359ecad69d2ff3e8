"""A worker's own profile: name, language, time zone, and whether Mutua may text them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from i18n import choose_language, normalize_language
from notifications.outbox import enqueue_sms
from pools.models import Worker
from pools.service import check_name, check_timezone

WORKER_NAME_MAX = 100
LANGUAGE_SMS_WINDOW = timedelta(days=1)
"""At most one "language changed" text per worker per window (fixed days, UTC): each is an
SMS Mutua pays for, and a client switching back and forth must not make it send one per
switch."""


def _window_index(now: datetime) -> int:
    seconds = (now - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()
    return int(seconds // LANGUAGE_SMS_WINDOW.total_seconds())


async def update_profile(
    session: AsyncSession,
    worker: Worker,
    *,
    name: str | None = None,
    language: str | None = None,
    timezone: str | None = None,
    sms_opted_out: bool | None = None,
    now: datetime | None = None,
    confirm_by_sms: bool = True,
) -> Worker:
    """Apply the fields given; a new language is confirmed by SMS in that language, so a
    worker who picked the wrong one by mistake sees it at once. Only the first change in a
    `LANGUAGE_SMS_WINDOW` is texted: its dedup key names the window, not the moment.

    `sms_opted_out` is STOP and START from the web: the same flag, honoured before every
    send. Turning texts off sends nothing more (not even a confirmation: the suppression
    check would drop it); turning them back on is confirmed by a text, which also shows the
    phone receives them again. While texts are off no sign-in code can be sent either.

    `confirm_by_sms=False` is for changes asked for by SMS or USSD, whose reply is the
    confirmation.
    """
    if name is not None:
        worker.name = check_name(name, WORKER_NAME_MAX)
    if timezone is not None:
        worker.timezone = check_timezone(timezone)
    if language is not None:
        tag = normalize_language(language)
        if tag != worker.language:
            worker.language = tag
            if confirm_by_sms:
                await enqueue_sms(
                    session,
                    to=worker.phone_e164,
                    template="account.language_changed",
                    language=tag,
                    values={},
                    dedup_key=f"language-changed:{worker.id}:{_window_index(now or utcnow())}",
                )
    if sms_opted_out is not None and sms_opted_out != worker.sms_opted_out:
        worker.sms_opted_out = sms_opted_out
        await session.flush()  # the outbox checks the flag as stored
        if not sms_opted_out and confirm_by_sms:
            await enqueue_sms(
                session,
                to=worker.phone_e164,
                template="sms.started",
                language=choose_language(
                    chosen=worker.language,
                    accept_language=None,
                    phone_e164=worker.phone_e164,
                    pool_default=None,
                ),
                values={},
                dedup_key=f"sms-started:{worker.id}:{utcnow().isoformat()}",
            )
    await session.flush()
    return worker
