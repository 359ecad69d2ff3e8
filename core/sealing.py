"""Secrets at rest (a bank's access token, say): AES-256-GCM under keys derived from the
service's secret key, each sealed value naming the key that sealed it.

A sealed value is `v1.<key id>.<base64url(nonce || ciphertext || tag)>`. The key id is a
short fingerprint of the derived key, so rotating `MUTUA_SECRET_KEY` does not make old
values unreadable by accident: keep the old secret in `MUTUA_OLD_SECRET_KEYS` until every
value has been resealed, and `open_sealed` picks the key a value names. The purpose string
is bound into the key derivation and into the associated data, so a token sealed for one
use cannot be replayed as another.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"
_NONCE_BYTES = 12


class SealError(Exception):
    """A sealed value is malformed, tampered with, or sealed by a key we no longer hold.

    The message never contains the value itself."""


@dataclass(frozen=True)
class _Key:
    key_id: str
    aead: AESGCM


def _derive(secret: str, purpose: str) -> _Key:
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"mutua-sealing-v1", info=purpose.encode()
    ).derive(secret.encode())
    key_id = hashlib.sha256(b"key-id:" + raw).hexdigest()[:8]
    return _Key(key_id, AESGCM(raw))


class Sealer:
    """Seals with the current secret; opens with the current or any retired one."""

    def __init__(self, secret: str, purpose: str, retired: Iterable[str] = ()) -> None:
        if not secret:
            raise ValueError("a sealer needs a secret key")
        self.purpose = purpose
        self._current = _derive(secret, purpose)
        self._keys = {self._current.key_id: self._current}
        for old in retired:
            key = _derive(old, purpose)
            self._keys.setdefault(key.key_id, key)

    @property
    def key_id(self) -> str:
        return self._current.key_id

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._current.aead.encrypt(nonce, plaintext.encode(), self._aad())
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{_VERSION}.{self._current.key_id}.{body}"

    def open(self, sealed: str) -> str:
        version, key_id, body = [*sealed.split(".", 2), "", ""][:3]
        if version != _VERSION or not body:
            raise SealError("not a sealed value")
        key = self._keys.get(key_id)
        if key is None:
            raise SealError(f"sealed by key {key_id}, which is not configured")
        try:
            blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            opened = key.aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], self._aad())
        except (InvalidTag, ValueError) as exc:
            raise SealError("the sealed value does not open with its key") from exc
        return opened.decode()

    def needs_reseal(self, sealed: str) -> bool:
        """Sealed by a retired key: open and seal again to finish a rotation."""
        return sealed.split(".", 2)[1:2] != [self._current.key_id]

    def _aad(self) -> bytes:
        return f"mutua:{self.purpose}".encode()
