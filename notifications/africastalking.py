"""Africa's Talking's SMS API, the second gateway, exactly as it takes a message.

`POST {api}/version1/messaging`, form-encoded (`username`, `to`, `message`, optional
`from`), the key in the `apiKey` header, `Accept: application/json`. The answer lists each
recipient with a `statusCode`: 100/101/102 (processed, sent, queued) mean accepted, with
the `messageId` its delivery report will name. Per-recipient failures: 405 (insufficient
balance), 500 and 501 are temporary; 406 (`UserInBlacklist`) and 409 (do-not-disturb)
mean the recipient refuses texts and stop them; 401-404, 407 and 502 are permanent.
"""

from __future__ import annotations

from typing import Any

import httpx

from notifications.providers import (
    OutgoingSms,
    PermanentFailure,
    RecipientOptedOut,
    TemporaryFailure,
)

ACCEPTED = frozenset({100, 101, 102})
TEMPORARY = frozenset({405, 500, 501})
OPTED_OUT = frozenset({406, 409})
REPORT_STATUS = {
    "Success": "delivered",
    "Failed": "failed",
    "Rejected": "failed",
    "AbsentSubscriber": "undelivered",
    "Expired": "undelivered",
}
"""Delivery report `status` → outbox status; Sent, Submitted and Buffered are not final."""
REPORT_OPTED_OUT = frozenset({"UserInBlacklist", "UserInBlackList"})


class AfricasTalkingSmsProvider:
    def __init__(
        self,
        *,
        username: str,
        api_key: str,
        api_url: str = "https://api.africastalking.com",
        sender: str = "",
        timeout: float = 10.0,
    ) -> None:
        if not username or not api_key:
            raise ValueError("Africa's Talking needs MUTUA_AFRICASTALKING_USERNAME and _API_KEY")
        self.username = username
        self.url = f"{api_url.rstrip('/')}/version1/messaging"
        self.sender = sender
        self._headers = {"apiKey": api_key, "Accept": "application/json"}
        self._client = httpx.AsyncClient(timeout=timeout)

    def __repr__(self) -> str:
        return f"AfricasTalkingSmsProvider({self.url!r})"

    def form(self, message: OutgoingSms) -> dict[str, str]:
        data = {"username": self.username, "to": message.to, "message": message.body}
        if self.sender:
            data["from"] = self.sender
        return data

    async def send(self, message: OutgoingSms) -> str:
        try:
            response = await self._client.post(
                self.url, data=self.form(message), headers=self._headers
            )
        except httpx.TimeoutException as exc:
            raise TemporaryFailure(f"africastalking: timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise TemporaryFailure(f"africastalking: {type(exc).__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryFailure(
                f"africastalking {response.status_code}", code=str(response.status_code)
            )
        if response.status_code == 401:
            # A wrong key is the operator's to fix; the messages wait for them.
            raise TemporaryFailure("africastalking 401: check the API key", code="401")
        recipients = _recipients(response)
        if response.status_code not in (200, 201) or not recipients:
            raise PermanentFailure(
                f"africastalking {response.status_code}: {response.text[:200]}",
                code=str(response.status_code),
            )
        first = recipients[0]
        code = int(first.get("statusCode", 0) or 0)
        text = f"africastalking {code} {first.get('status', '')}"
        if code in ACCEPTED:
            message_id = first.get("messageId")
            if not isinstance(message_id, str) or not message_id:
                raise TemporaryFailure("africastalking: accepted without a messageId")
            return message_id
        if code in TEMPORARY:
            raise TemporaryFailure(text, code=str(code))
        if code in OPTED_OUT:
            raise RecipientOptedOut(text, code=str(code))
        raise PermanentFailure(text, code=str(code))

    async def aclose(self) -> None:
        await self._client.aclose()


def _recipients(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return []
    data = body.get("SMSMessageData") if isinstance(body, dict) else None
    found = data.get("Recipients") if isinstance(data, dict) else None
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []
