"""Delivery receipts: what the gateway later says became of a message it accepted.

    sent --receipt--> delivered | undelivered | failed (with the gateway's error code)

Receipts may come twice or out of order (a late `sent` after `delivered`): only the final
statuses move a row, a row already final keeps its status unless the receipt is a later
`delivered` (carriers do deliver after reporting a failure), and a receipt for a message
we do not know changes nothing. An error saying the recipient opted out at the gateway
(Twilio 21610, Africa's Talking `UserInBlacklist`) stops texts to that phone, as STOP does.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from notifications import repository

log = logging.getLogger(__name__)

FINAL = ("delivered", "undelivered", "failed")
TWILIO_STOPPED = frozenset({"21610"})
"""Twilio: the recipient texted STOP to this sender; sending again is refused."""


async def apply_receipt(
    session: AsyncSession,
    gateway_id: str,
    status: str,
    error_code: str | None,
    *,
    stopped: bool = False,
) -> bool:
    """Move the message to `status` if it is final; True when the row changed."""
    if status not in FINAL:
        return False
    message = await repository.message_by_provider_id(session, gateway_id, for_update=True)
    if message is None:
        log.info("receipt for a message we do not know; ignored")
        return False
    if stopped:
        await repository.mark_phone_stopped(session, message.recipient)
    if message.status in FINAL and (message.status == status or status != "delivered"):
        return False
    message.status = status
    message.error_code = (error_code or "")[:16] or None
    if error_code:
        message.last_error = f"receipt: {status} {error_code}"[: repository.LAST_ERROR_MAX]
    await session.flush()
    return True


async def apply_twilio_receipt(
    session: AsyncSession, sid: str, status: str, error_code: str | None
) -> bool:
    return await apply_receipt(
        session, sid, status, error_code, stopped=(error_code or "") in TWILIO_STOPPED
    )
