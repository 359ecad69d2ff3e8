"""Ids the monthly run derives instead of drawing, so a replay finds what it did before.

Every transfer, decision and message of a run is named by (pool, period, member, kind): a
run resumed after a crash, or started twice, computes the same names, and the ledger and
the outbox treat the second posting as a replay.
"""

from __future__ import annotations

import hashlib
import uuid

_NAMESPACE = uuid.UUID("1b3f0c52-2a8e-4f39-9d0f-3c5a7e21b8d4")
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
"""The join codes' alphabet: no 0/O, 1/I/L or U, so a reference survives being read aloud."""


def derived_id(*parts: object) -> uuid.UUID:
    """A UUIDv5 of the parts, stable across processes and releases."""
    return uuid.uuid5(_NAMESPACE, ":".join(str(part) for part in parts))


def transfer_id(pool_id: uuid.UUID, period: str, membership_id: uuid.UUID, kind: str) -> uuid.UUID:
    return derived_id("transfer", pool_id, period, membership_id, kind)


def decision_id(pool_id: uuid.UUID, period: str, membership_id: uuid.UUID, kind: str) -> uuid.UUID:
    return derived_id("decision", pool_id, period, membership_id, kind)


def message_key(kind: str, pool_id: uuid.UUID, period: str, membership_id: uuid.UUID) -> str:
    """An outbox dedup key: ids and the period, never text (see `notifications.outbox`)."""
    return f"run:{kind}:{pool_id}:{period}:{membership_id}"


def reference(decision: uuid.UUID) -> str:
    """`D-` and eight characters a worker can text back (`WHY D-7KQ2M9XA`).

    Unique enough within one worker's decisions, which is where it is looked up.
    """
    digest = int.from_bytes(hashlib.sha256(decision.bytes).digest()[:8], "big")
    chars = []
    for _ in range(8):
        digest, index = divmod(digest, len(_REFERENCE_ALPHABET))
        chars.append(_REFERENCE_ALPHABET[index])
    return "D-" + "".join(chars)
