"""Stateless access tokens: a signed claim of who the caller is and until when.

HMAC-SHA256 over a compact JSON payload with the server's secret key; rotating the key signs
everyone out. Workers and administrators get tokens of different kinds, so a worker's token
can never pass an administrator check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec

from core.clock import utcnow
from core.errors import Unauthorized


@dataclass(frozen=True)
class Principal:
    kind: str
    """`worker` or `admin`."""
    id: uuid.UUID
    role: str | None = None
    """For administrators: `operator` or `admin`."""

    @property
    def key(self) -> str:
        """Stable text id of the caller, for idempotency keys and logs."""
        return f"{self.kind}:{self.id}"


class _Claims(msgspec.Struct, forbid_unknown_fields=True):
    k: str
    sub: str
    exp: int
    role: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def issue_token(
    secret: str, principal: Principal, ttl_seconds: int, now: datetime | None = None
) -> str:
    expires = (now or utcnow()) + timedelta(seconds=ttl_seconds)
    claims = _Claims(
        k=principal.kind, sub=str(principal.id), exp=int(expires.timestamp()), role=principal.role
    )
    payload = _b64(msgspec.json.encode(claims))
    return f"{payload}.{_sign(secret, payload)}"


def read_token(secret: str, token: str, now: datetime | None = None) -> Principal:
    """The principal a token names, or `Unauthorized` if it is forged, mangled or expired.

    Tokens are ASCII by construction; anything else in the header (a Latin-1 byte, an emoji)
    is simply not a token. The signatures are compared as bytes, because
    `hmac.compare_digest` refuses non-ASCII text with a TypeError instead of saying no.
    """
    if not token.isascii():
        raise Unauthorized("the access token is not valid")
    payload, _, signature = token.partition(".")
    expected = _sign(secret, payload).encode()
    if not payload or not signature or not hmac.compare_digest(signature.encode(), expected):
        raise Unauthorized("the access token is not valid")
    try:
        claims = msgspec.json.decode(_unb64(payload), type=_Claims)
        subject = uuid.UUID(claims.sub)
    except (ValueError, msgspec.DecodeError):
        raise Unauthorized("the access token is not valid") from None
    if claims.exp <= int((now or utcnow()).timestamp()):
        raise Unauthorized("the access token has expired")
    if claims.k not in ("worker", "admin"):
        raise Unauthorized("the access token is not valid")
    return Principal(kind=claims.k, id=subject, role=claims.role)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None
