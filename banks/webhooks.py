"""Plaid's webhooks, believed only when `Plaid-Verification` proves them, as Plaid documents:

1. the header is a JWT whose header names `alg` ES256 (anything else, `none` and HS256
   included, is refused before any key is looked at) and a `kid`;
2. the key for that `kid` comes from `/webhook_verification_key/get` and is cached until
   its `expired_at`; an expired key verifies nothing;
3. the ES256 signature verifies over `header.payload`;
4. `iat` is at most five minutes old (and not from the future beyond a small clock skew);
5. the body's SHA-256 equals `request_body_sha256`, compared in constant time.
A verified token is recorded, so a replay of it has no second effect.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from banks.errors import WebhookRejected
from banks.plaid_client import PlaidFailure

MAX_AGE_SECONDS = 5 * 60
CLOCK_SKEW_SECONDS = 30
MAX_TOKEN_BYTES = 4096


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass
class _CachedKey:
    key: ec.EllipticCurvePublicKey
    expired_at: float | None


class WebhookVerifier:
    def __init__(
        self,
        fetch_key: Callable[[str], Awaitable[dict[str, Any]]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch_key = fetch_key
        self._clock = clock
        self._keys: dict[str, _CachedKey] = {}

    async def verify(self, token: str | None, body: bytes) -> dict[str, Any]:
        """The verified JWT payload, or `WebhookRejected` saying which check failed."""
        if not token or len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
            raise WebhookRejected("missing or malformed Plaid-Verification header")
        header_part, payload_part, signature_part = token.split(".")
        try:
            header = json.loads(_b64decode(header_part))
            payload = json.loads(_b64decode(payload_part))
            signature = _b64decode(signature_part)
        except ValueError:
            raise WebhookRejected("Plaid-Verification is not a JWT") from None
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise WebhookRejected("Plaid-Verification is not a JWT")
        if header.get("alg") != "ES256":
            raise WebhookRejected(f"algorithm {header.get('alg')!r} is not accepted; only ES256")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 128:
            raise WebhookRejected("the token names no key")
        key = await self._key(kid)
        if len(signature) != 64:
            raise WebhookRejected("the signature is not an ES256 signature")
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        try:
            key.verify(der, f"{header_part}.{payload_part}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise WebhookRejected("the signature does not verify") from None
        iat = payload.get("iat")
        now = self._clock()
        if not isinstance(iat, int | float) or now - iat > MAX_AGE_SECONDS:
            raise WebhookRejected("the token is older than five minutes")
        if iat - now > CLOCK_SKEW_SECONDS:
            raise WebhookRejected("the token is issued in the future")
        claimed = payload.get("request_body_sha256")
        actual = hashlib.sha256(body).hexdigest()
        if not isinstance(claimed, str) or not hmac.compare_digest(
            claimed.encode(), actual.encode()
        ):
            raise WebhookRejected("the body does not match the signed hash")
        return payload

    async def _key(self, kid: str) -> ec.EllipticCurvePublicKey:
        cached = self._keys.get(kid)
        now = self._clock()
        if cached is not None and (cached.expired_at is None or cached.expired_at > now):
            return cached.key
        try:
            jwk = await self._fetch_key(kid)
        except PlaidFailure:
            raise WebhookRejected("Plaid knows no such key") from None
        if jwk.get("alg") != "ES256" or jwk.get("crv") != "P-256" or jwk.get("kty") != "EC":
            raise WebhookRejected("the key is not a P-256 signing key")
        expired_at = jwk.get("expired_at")
        if expired_at is not None and float(expired_at) <= now:
            raise WebhookRejected("the key has expired")
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(_b64decode(str(jwk["x"])), "big"),
            int.from_bytes(_b64decode(str(jwk["y"])), "big"),
            ec.SECP256R1(),
        )
        key = numbers.public_key()
        self._keys[kid] = _CachedKey(key, float(expired_at) if expired_at is not None else None)
        return key


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
