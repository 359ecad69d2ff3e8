"""A local Africa's Talking: the SMS API and delivery reports, as Africa's Talking sends them.

`POST /version1/messaging` with the `apiKey` header and a form (`username`, `to`,
`message`, `from`) is answered with Africa's Talking's JSON: `{"SMSMessageData":
{"Message": "Sent to 1/1 Total Cost: KES 0.8000", "Recipients": [{"statusCode": 101,
"number", "status": "Success", "cost", "messageId"}]}}`. Numbers ending in a status code
fail with it, for tests: +254700000403 (InvalidPhoneNumber), …405 (InsufficientBalance),
…406 (UserInBlacklist), …409 (DoNotDisturbRejection), …500 (InternalServerError).
`POST /_fake/delivery` sends the delivery report Africa's Talking would post to the
callback URL configured in its dashboard (`callback_url`).
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar, Request, Response, get, post
from litestar.params import JSONBody

STATUS_NAMES = {
    101: "Success",
    403: "InvalidPhoneNumber",
    405: "InsufficientBalance",
    406: "UserInBlacklist",
    409: "DoNotDisturbRejection",
    500: "InternalServerError",
}


@dataclass
class FakeAfricasTalking:
    username: str
    api_key: str
    callback_url: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


def create_fake_africastalking(fake: FakeAfricasTalking) -> Litestar:
    @post("/version1/messaging", status_code=201)
    async def send(request: Request[Any, Any, Any]) -> Response[Any]:
        given = request.headers.get("apiKey", "")
        if not secrets.compare_digest(given.encode(), fake.api_key.encode()):
            return Response("The supplied authentication is invalid", status_code=401)
        form = {k: str(v) for k, v in (await request.form()).items()}
        if form.get("username") != fake.username:
            return Response("The supplied authentication is invalid", status_code=401)
        to = form.get("to", "")
        code = int(to[-3:]) if to[-3:].isdigit() and int(to[-3:]) in STATUS_NAMES else 101
        if not to.startswith("+") or not to[1:].isdigit():
            code = 403
        message_id = f"ATXid_{next(fake._ids):08d}{secrets.token_hex(4)}" if code == 101 else "None"
        recipient = {
            "statusCode": code,
            "number": to,
            "status": STATUS_NAMES[code],
            "cost": "KES 0.8000" if code == 101 else "0",
            "messageId": message_id,
        }
        if code == 101:
            fake.messages.append(
                {
                    "id": message_id,
                    "to": to,
                    "message": form.get("message", ""),
                    "from": form.get("from"),
                }
            )
        sent = 1 if code == 101 else 0
        data = {
            "Message": f"Sent to {sent}/1 Total Cost: KES {0.8 * sent:.4f}",
            "Recipients": [recipient],
        }
        return Response({"SMSMessageData": data}, status_code=201)

    @get("/_fake/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @get("/_fake/messages")
    async def messages() -> list[dict[str, Any]]:
        return fake.messages

    @post("/_fake/delivery")
    async def delivery(data: JSONBody[dict[str, str]]) -> dict[str, int]:
        """Post a delivery report: `{"id", "status", "failureReason"?}`."""
        message = next(m for m in fake.messages if m["id"] == data["id"])
        report = {
            "id": message["id"],
            "status": data["status"],
            "phoneNumber": message["to"],
            "networkCode": "63902",
            "retryCount": "0",
        }
        if data.get("failureReason"):
            report["failureReason"] = data["failureReason"]
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(fake.callback_url, data=report)
        return {"callback_status": response.status_code}

    return Litestar(route_handlers=[send, health, messages, delivery], openapi_config=None)
