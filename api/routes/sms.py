"""Twilio's webhooks: inbound texts (answered in TwiML) and delivery receipts.

Gateway callbacks: only Twilio can call them with success, since nothing is read from a
callback before its signature is checked, and a bad or missing signature is refused with
403 before anything is stored.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from litestar import Controller, Request, Response, post
from litestar.datastructures import State
from litestar.openapi import ResponseSpec

from api.responses import BODY_TOO_LARGE, VALIDATION_FAILED, answer, problems
from channels.conversation import Context
from channels.inbound import MESSAGE_ID_MAX, receive
from channels.twilio_signature import SIGNATURE_HEADER, is_valid
from core.clock import utcnow
from core.errors import Forbidden, ValidationFailed
from core.phones import InvalidPhone, normalize_phone
from core.settings import Settings
from notifications.receipts import apply_twilio_receipt

TWIML = "text/xml"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


def twiml(reply: str | None) -> Response[str]:
    """`<Response><Message>…</Message></Response>`, or an empty `<Response/>`."""
    body = f"<Response><Message>{escape(reply)}</Message></Response>" if reply else "<Response/>"
    return Response(_XML_HEAD + body, media_type=TWIML, status_code=200)


async def signed_form(request: Request[Any, Any, Any], settings: Settings) -> dict[str, str]:
    """The form's fields once Twilio's signature over all of them checks out (else 403)."""
    form = await request.form()
    items = [(str(name), str(value)) for name, value in form.multi_items()]
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not is_valid(settings.twilio_auth_token, url, items, request.headers.get(SIGNATURE_HEADER)):
        raise Forbidden("the X-Twilio-Signature header is missing or does not match")
    fields = dict(items)
    account = fields.get("AccountSid", "")
    if settings.twilio_account_sid and account != settings.twilio_account_sid:
        raise Forbidden("the webhook names another Twilio account")
    return fields


def required(fields: dict[str, str], name: str, max_length: int = MESSAGE_ID_MAX) -> str:
    value = fields.get(name, "").strip()
    if not value or len(value) > max_length or not value.isprintable():
        raise ValidationFailed(f"{name} is missing or not valid", field=name)
    return value


def webhook_problems() -> dict[int, ResponseSpec]:
    return problems(answer(Forbidden), VALIDATION_FAILED, BODY_TOO_LARGE)


class TwilioController(Controller):
    path = "/v1/sms/twilio"
    tags = ["gateways"]
    opt = {"idempotency": False}  # a gateway retries with its own id (MessageSid)

    @post(
        "/",
        status_code=200,
        summary="Twilio: a text to Mutua (signed webhook), answered in TwiML",
        responses=webhook_problems(),
        media_type=TWIML,
    )
    async def inbound(self, request: Request[Any, Any, Any], state: State) -> Response[str]:
        """A text to Mutua's number: the reply is the TwiML message, or nothing."""
        settings: Settings = state.settings
        fields = await signed_form(request, settings)
        message_id = required(fields, "MessageSid")
        try:
            phone = normalize_phone(required(fields, "From", 32))
        except InvalidPhone:
            raise ValidationFailed(
                "From is not a phone number we can answer", field="From"
            ) from None
        reply = await receive(
            state.session_factory,
            gateway="twilio",
            message_id=message_id,
            phone=phone,
            body=fields.get("Body", ""),
            context=Context(
                secret=settings.secret_key,
                support=settings.support_contact,
                inbound_per_hour=settings.sms_inbound_per_hour,
                now=utcnow(),
            ),
        )
        return twiml(reply)

    @post(
        "/status",
        status_code=204,
        summary="Twilio: a delivery receipt (signed StatusCallback)",
        responses=webhook_problems(),
    )
    async def status(self, request: Request[Any, Any, Any], state: State) -> None:
        """A delivery receipt for a text we sent (its `StatusCallback`)."""
        settings: Settings = state.settings
        fields = await signed_form(request, settings)
        message_id = required(fields, "MessageSid")
        status = required(fields, "MessageStatus", 16)
        async with state.session_factory() as session, session.begin():
            await apply_twilio_receipt(session, message_id, status, fields.get("ErrorCode") or None)
