"""Identifiers: time-ordered UUIDs for rows, short human codes for pools.

UUIDv7 keeps inserts in index order on PostgreSQL and lets a client make an id (the ledger's
idempotency key) without asking the database.
"""

from __future__ import annotations

import os
import secrets
import time
import uuid

# Crockford-style alphabet without 0/O, 1/I/L, U: codes are read aloud and typed on keypads.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id() -> uuid.UUID:
    """A UUIDv7: 48 bits of Unix milliseconds, then randomness."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def new_join_code(length: int = 8) -> str:
    """A pool's join code, texted as `JOIN <code>`."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))
