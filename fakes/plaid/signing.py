"""Plaid's webhook signature, made the way Plaid makes it: an ES256 JWT in the
`Plaid-Verification` header whose payload holds `iat` and the body's SHA-256, signed with a
P-256 key that `/webhook_verification_key/get` hands out as a JWK by its `kid`."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass
class SigningKey:
    kid: str = field(default_factory=lambda: str(uuid.uuid4()))
    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    created_at: int = field(default_factory=lambda: int(time.time()))
    expired_at: int | None = None

    def jwk(self) -> dict[str, object]:
        numbers = self.private.public_key().public_numbers()
        return {
            "alg": "ES256",
            "crv": "P-256",
            "kid": self.kid,
            "kty": "EC",
            "use": "sig",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
            "created_at": self.created_at,
            "expired_at": self.expired_at,
        }

    def sign(self, body: bytes, *, iat: int | None = None, alg: str = "ES256") -> str:
        header = {"alg": alg, "kid": self.kid, "typ": "JWT"}
        payload = {
            "iat": int(time.time()) if iat is None else iat,
            "request_body_sha256": hashlib.sha256(body).hexdigest(),
        }
        signing_input = (
            f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
        )
        der = self.private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
