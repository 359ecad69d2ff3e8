"""`mutua last-code`: the sign-in code a phone asked for last, as the development SMS file
holds it.

With `MUTUA_SMS_PROVIDER=file:PATH` (the default, and what `make run` uses) texts are
appended to PATH instead of reaching a phone. Reading the file's last line is not enough:
the text is written just after the API answers 202, so `tail -1` may still show the previous
text, or another phone's. This finds the phone's newest sign-in text in the outbox, waits
until it has been written, and reads that very line (the outbox keeps the provider's message
id, the file line carries it). The outbox itself no longer has the code once sent.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import utcnow
from notifications.repository import newest_message_to
from pools.models import SignInCode

SIGN_IN_TEMPLATE = "auth.sign_in_code"
_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_POLL_SECONDS = 0.1


class NoCode(Exception):
    """Why no code can be printed, in words for the person at the terminal."""


async def last_sign_in_code(
    sessions: async_sessionmaker[AsyncSession], phone: str, outbox_file: Path, *, wait: float
) -> str:
    """The six digits of the newest code texted to `phone`, waiting up to `wait` seconds
    for the text to be written."""
    deadline = time.monotonic() + wait
    while True:
        async with sessions() as session:
            message = await newest_message_to(session, phone, SIGN_IN_TEMPLATE)
            if message is None:
                raise NoCode(f"no sign-in code was asked for {phone}: POST /v1/auth/otp first")
            code_id = _code_id(message.dedup_key)
            code_row = await session.get(SignInCode, code_id) if code_id else None
            status, sent_as, error = message.status, message.provider_message_id, message.last_error
        if code_row is not None and code_row.consumed_at is not None:
            raise NoCode(f"the newest code to {phone} was used already: ask for a new one")
        if code_row is not None and code_row.expires_at <= utcnow():
            raise NoCode(f"the newest code to {phone} has expired: ask for a new one")
        if status == "failed":
            raise NoCode(f"the code to {phone} could not be sent ({error})")
        if sent_as is not None and (code := _code_in(outbox_file, sent_as)) is not None:
            return code
        if time.monotonic() >= deadline:
            raise NoCode(
                f"the code to {phone} has not been written to {outbox_file} yet: "
                "is `mutua serve` running with the same MUTUA_SMS_PROVIDER?"
            )
        await asyncio.sleep(_POLL_SECONDS)


def _code_id(dedup_key: str | None) -> uuid.UUID | None:
    """The sign-in code row a text was queued for (`sign-in-code:<id>`, see `pools.signin`)."""
    prefix, _, raw = (dedup_key or "").partition(":")
    try:
        return uuid.UUID(raw) if prefix == "sign-in-code" else None
    except ValueError:
        return None


def _code_in(outbox_file: Path, message_id: str) -> str | None:
    """The code in the file's line for `message_id`, newest lines first."""
    try:
        lines = outbox_file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        try:
            sent = json.loads(line)
        except ValueError:
            continue  # a line being written right now
        if isinstance(sent, dict) and sent.get("id") == message_id:
            match = _CODE.search(str(sent.get("body", "")))
            return match.group(0) if match else None
    return None
