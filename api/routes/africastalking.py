"""Africa's Talking's callbacks: USSD sessions, inbound texts and SMS delivery reports.

Africa's Talking signs nothing, so each callback URL carries the secret
`MUTUA_AFRICASTALKING_CALLBACK_TOKEN` as `?token=`; a callback without it (or with no
token configured) is refused with 403 before its form is read.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from litestar import Controller, Request, Response, post
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter

from api.responses import BODY_TOO_LARGE, VALIDATION_FAILED, answer, problems
from channels.conversation import Context
from channels.inbound import MESSAGE_ID_MAX, receive
from channels.ussd import UssdLimit, menu
from core.clock import utcnow
from core.errors import Forbidden, ValidationFailed
from core.phones import InvalidPhone, normalize_phone
from core.settings import Settings
from notifications.africastalking import REPORT_OPTED_OUT, REPORT_STATUS
from notifications.receipts import apply_receipt

Token = Annotated[
    str | None,
    QueryParameter(name="token", max_length=200, description="the callback secret"),
]
USSD_TEXT_MAX = 200
"""Longest answer path read; a USSD session is a handful of short answers."""


def callback_problems() -> dict[int, ResponseSpec]:
    return problems(answer(Forbidden), VALIDATION_FAILED, BODY_TOO_LARGE)


def check_token(settings: Settings, token: str | None) -> None:
    expected = settings.africastalking_callback_token
    if not expected or not token or not hmac.compare_digest(expected.encode(), token.encode()):
        raise Forbidden("the callback's token is missing or wrong")


async def form_of(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (await request.form()).items()}


def phone_of(fields: dict[str, str], name: str) -> str:
    try:
        return normalize_phone(fields.get(name, ""))
    except InvalidPhone:
        raise ValidationFailed(f"{name} is missing or not a phone number", field=name) from None


class AfricasTalkingController(Controller):
    tags = ["gateways"]
    opt = {"idempotency": False}  # USSD answers are read from the path; reports are final

    @post(
        "/v1/ussd/africastalking",
        status_code=200,
        summary="Africa's Talking: one USSD screen (CON to go on, END to finish)",
        responses=callback_problems(),
        media_type="text/plain",
    )
    async def ussd(
        self, request: Request[Any, Any, Any], state: State, token: Token = None
    ) -> Response[str]:
        """`sessionId`, `serviceCode`, `phoneNumber`, `networkCode`, `text` (`1*450`)."""
        settings: Settings = state.settings
        check_token(settings, token)
        fields = await form_of(request)
        if not fields.get("sessionId", "").strip():
            raise ValidationFailed("sessionId is missing", field="sessionId")
        phone = phone_of(fields, "phoneNumber")
        text = fields.get("text", "")
        if len(text) > USSD_TEXT_MAX or not text.isprintable():
            raise ValidationFailed("text is too long or holds control characters", field="text")
        async with state.session_factory() as session, session.begin():
            limit = UssdLimit(settings.ussd_per_hour, settings.secret_key)
            screen = await menu(session, phone, text, utcnow(), limit)
        return Response(screen.body, media_type="text/plain", status_code=200)

    @post(
        "/v1/sms/africastalking/inbound",
        status_code=200,
        summary="Africa's Talking: a text to Mutua; the reply is sent as its own text",
        responses=callback_problems(),
        media_type="text/plain",
    )
    async def inbound(
        self, request: Request[Any, Any, Any], state: State, token: Token = None
    ) -> Response[str]:
        """`from`, `to`, `text`, `date`, `id`, `linkId`, `networkCode`."""
        settings: Settings = state.settings
        check_token(settings, token)
        fields = await form_of(request)
        message_id = fields.get("id", "").strip()
        if not message_id or len(message_id) > MESSAGE_ID_MAX or not message_id.isprintable():
            raise ValidationFailed("id is missing or not valid", field="id")
        phone = phone_of(fields, "from")
        await receive(
            state.session_factory,
            gateway="africastalking",
            message_id=message_id,
            phone=phone,
            body=fields.get("text", ""),
            context=Context(
                secret=settings.secret_key,
                support=settings.support_contact,
                inbound_per_hour=settings.sms_inbound_per_hour,
                now=utcnow(),
            ),
            reply_by_outbox=True,
        )
        return Response("", media_type="text/plain", status_code=200)

    @post(
        "/v1/sms/africastalking/delivery",
        status_code=204,
        summary="Africa's Talking: an SMS delivery report",
        responses=callback_problems(),
    )
    async def delivery(
        self, request: Request[Any, Any, Any], state: State, token: Token = None
    ) -> None:
        """`id`, `status` (Success, Failed, Rejected, AbsentSubscriber, Expired, ...),
        `phoneNumber`, `networkCode`, `failureReason`."""
        settings: Settings = state.settings
        check_token(settings, token)
        fields = await form_of(request)
        message_id = fields.get("id", "").strip()
        if not message_id or len(message_id) > 64:
            raise ValidationFailed("id is missing or not valid", field="id")
        status = REPORT_STATUS.get(fields.get("status", ""))
        reason = fields.get("failureReason", "")[:16] or None
        if status is None:
            return
        async with state.session_factory() as session, session.begin():
            await apply_receipt(
                session, message_id, status, reason, stopped=reason in REPORT_OPTED_OUT
            )
