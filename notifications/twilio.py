"""Twilio's REST API for outbound texts, exactly as Twilio takes it.

`POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded (`To`, `From` or
`MessagingServiceSid`, `Body`, `StatusCallback`), HTTP Basic auth with the account sid and
auth token. A 201 carries the message's `sid`, which the delivery receipt names later.

Failures, by Twilio's documented answers: 429 (error 20429) and any 5xx, a timeout or a
dropped connection are temporary (the outbox retries with backoff), and so is a 401
(credentials the operator must fix); any other 4xx is permanent, notably 21211 (invalid
`To`), 21612 (unroutable), 21614 (not SMS-capable), 21408 (region not enabled); 21610
(the recipient texted STOP to this sender) also stops texts to the phone.
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

STOPPED_CODES = frozenset({21610})


class TwilioSmsProvider:
    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        api_url: str = "https://api.twilio.com",
        from_number: str = "",
        messaging_service_sid: str = "",
        status_callback: str = "",
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("Twilio needs MUTUA_TWILIO_ACCOUNT_SID and MUTUA_TWILIO_AUTH_TOKEN")
        if not from_number and not messaging_service_sid:
            raise ValueError("Twilio needs MUTUA_TWILIO_FROM or MUTUA_TWILIO_MESSAGING_SERVICE_SID")
        self.account_sid = account_sid
        self._auth = (account_sid, auth_token)
        self.url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)

    def __repr__(self) -> str:
        return f"TwilioSmsProvider({self.url!r})"

    def form(self, message: OutgoingSms) -> dict[str, str]:
        data = {"To": message.to, "Body": message.body}
        if self.messaging_service_sid:
            data["MessagingServiceSid"] = self.messaging_service_sid
        else:
            data["From"] = self.from_number
        if self.status_callback:
            data["StatusCallback"] = self.status_callback
        return data

    async def send(self, message: OutgoingSms) -> str:
        try:
            response = await self._client.post(self.url, data=self.form(message), auth=self._auth)
        except httpx.TimeoutException as exc:
            raise TemporaryFailure(f"twilio: timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise TemporaryFailure(f"twilio: {type(exc).__name__}") from exc
        body = _json(response)
        if response.status_code in (200, 201):
            sid = body.get("sid")
            if not isinstance(sid, str) or not sid:
                raise TemporaryFailure("twilio: accepted without a message sid")
            return sid
        code = body.get("code")
        text = f"twilio {response.status_code} {code}: {str(body.get('message', ''))[:200]}"
        code_text = str(code) if code is not None else str(response.status_code)
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryFailure(text, code=code_text)
        if response.status_code == 401:
            # Wrong credentials are the operator's to fix; the messages wait for them.
            raise TemporaryFailure(text, code=code_text)
        if code in STOPPED_CODES:
            raise RecipientOptedOut(text, code=code_text)
        raise PermanentFailure(text, code=code_text)

    async def aclose(self) -> None:
        await self._client.aclose()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
