"""A local Twilio: the REST API for sending, signed status callbacks and inbound webhooks.

It speaks what Twilio speaks: `POST /2010-04-01/Accounts/{sid}/Messages.json` with Basic
auth and a form body, answered with Twilio's JSON (201 with a `SM…` sid, or an error body
`{"code", "message", "more_info", "status"}`). Twilio's magic test numbers fail as they do
at Twilio: +15005550001 (21211 invalid number), +15005550002 (21612 cannot route),
+15005550003 (21408 no permission for the region), +15005550004 (21610 the recipient
stopped texts), +15005550009 (21614 not SMS-capable). `POST /_fake/fail` makes the next
sends answer 429 (20429) or 5xx.

Control routes (not Twilio's, under `/_fake/`): `GET /_fake/messages` lists what was sent;
`POST /_fake/status` sends a signed status callback for a message (as Twilio would to its
`StatusCallback`); `POST /_fake/inbound` sends a signed inbound text to Mutua's webhook and
answers with Mutua's TwiML reply. Callbacks are signed for the URL Mutua gave (its public
URL) and delivered to `deliver_to`, the local address that URL stands for.
"""

from __future__ import annotations

import base64
import itertools
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import unescape
from typing import Any

import httpx
from litestar import Litestar, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from channels.twilio_signature import SIGNATURE_HEADER, signature
from i18n.sms import measure

MAGIC_FAILURES = {
    "+15005550001": (21211, "The 'To' number {to} is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number: {to}, is not currently reachable."),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled for the region."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    public_url: str = ""
    """Mutua's public base URL, as configured at Twilio (what callbacks are signed for)."""
    deliver_to: str = ""
    """Where that URL really is, from here (`http://127.0.0.1:8000`)."""
    messages: list[dict[str, Any]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _local(self, url: str) -> str:
        if self.public_url and self.deliver_to and url.startswith(self.public_url):
            return self.deliver_to.rstrip("/") + url[len(self.public_url.rstrip("/")) :]
        return url

    async def post_signed(self, url: str, params: dict[str, str]) -> httpx.Response:
        headers = {SIGNATURE_HEADER: signature(self.auth_token, url, params.items())}
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.post(self._local(url), data=params, headers=headers)

    def authorised(self, request: Request[Any, Any, Any]) -> bool:
        given = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return secrets.compare_digest(given.encode(), f"Basic {expected}".encode())


def _error(status: int, code: int, message: str) -> Response[dict[str, Any]]:
    return Response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
    )


def create_fake_twilio(fake: FakeTwilio) -> Litestar:
    @post("/2010-04-01/Accounts/{account:str}/Messages.json", status_code=201)
    async def create_message(
        request: Request[Any, Any, Any], account: FromPath[str]
    ) -> Response[Any]:
        if account != fake.account_sid or not fake.authorised(request):
            return _error(401, 20003, "Authentication Error - invalid username")
        if fake.failures:
            status = fake.failures.pop(0)
            if status == 429:
                return _error(429, 20429, "Too Many Requests")
            return _error(status, 20500, "Internal Server Error")
        form = {k: str(v) for k, v in (await request.form()).items()}
        to, body = form.get("To", ""), form.get("Body", "")
        sender = form.get("From", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        if not sender and not form.get("MessagingServiceSid"):
            return _error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required.")
        if to in MAGIC_FAILURES or not _E164.match(to):
            code, text = MAGIC_FAILURES.get(to, MAGIC_FAILURES["+15005550001"])
            return _error(400, code, text.format(to=to))
        sid = f"SM{next(fake._numbers):032x}"
        now = format_datetime(datetime.now(UTC), usegmt=True)
        _, segments, _ = measure(body)
        message = {
            "account_sid": fake.account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender or None,
            "messaging_service_sid": form.get("MessagingServiceSid") or None,
            "num_media": "0",
            "num_segments": str(segments),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"
            },
            "to": to,
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
        }
        fake.messages.append({**message, "status_callback": form.get("StatusCallback", "")})
        return Response(message, status_code=201)

    @get("/_fake/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @get("/_fake/messages")
    async def messages() -> list[dict[str, Any]]:
        return fake.messages

    @post("/_fake/fail", status_code=204)
    async def fail(data: JSONBody[dict[str, int]]) -> None:
        fake.failures.extend([int(data.get("status", 500))] * int(data.get("count", 1)))

    @post("/_fake/status")
    async def status(data: JSONBody[dict[str, str]]) -> dict[str, Any]:
        """Send the status callback Twilio would: `{"sid", "status", "error_code"?}`."""
        message = next(m for m in fake.messages if m["sid"] == data["sid"])
        params = {
            "MessageSid": message["sid"],
            "SmsSid": message["sid"],
            "AccountSid": fake.account_sid,
            "From": message["from"] or "",
            "To": message["to"],
            "MessageStatus": data["status"],
            "SmsStatus": data["status"],
            "ApiVersion": "2010-04-01",
        }
        if data.get("error_code"):
            params["ErrorCode"] = data["error_code"]
        message["status"] = data["status"]
        response = await fake.post_signed(message["status_callback"], params)
        return {"callback_status": response.status_code}

    @post("/_fake/inbound")
    async def inbound(data: JSONBody[dict[str, str]]) -> dict[str, Any]:
        """A text from a phone to Mutua: `{"from", "body", "to"?}`; answers with the reply."""
        sid = f"SM{secrets.token_hex(16)}"
        params = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "AccountSid": fake.account_sid,
            "From": data["from"],
            "To": data.get("to", "+15005550006"),
            "Body": data.get("body", ""),
            "NumMedia": "0",
            "NumSegments": str(measure(data.get("body", ""))[1]),
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        url = fake.public_url.rstrip("/") + "/v1/sms/twilio"
        response = await fake.post_signed(url, params)
        found = re.search(r"<Message>(.*)</Message>", response.text, re.S)
        return {
            "status": response.status_code,
            "reply": unescape(found.group(1)) if found else None,
            "message_sid": sid,
        }

    return Litestar(
        route_handlers=[create_message, health, messages, fail, status, inbound],
        openapi_config=None,
    )
