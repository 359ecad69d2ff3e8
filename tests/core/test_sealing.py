"""Access tokens at rest: sealed, tamper-evident, bound to their use, readable across a rotation."""

from __future__ import annotations

import secrets

import pytest

from core.sealing import Sealer, SealError


def test_a_sealed_value_opens_to_itself_and_never_shows_it() -> None:
    sealer = Sealer(secrets.token_urlsafe(32), "plaid-access-token")
    token = "access-sandbox-8ab976e6-64bc-4b38-98f7-731e7a349970"
    sealed = sealer.seal(token)
    assert token not in sealed and sealed.startswith(f"v1.{sealer.key_id}.")
    assert sealer.open(sealed) == token
    assert sealer.seal(token) != sealed  # a fresh nonce each time


def test_tampering_another_purpose_or_an_unknown_key_is_refused() -> None:
    secret = secrets.token_urlsafe(32)
    sealer = Sealer(secret, "plaid-access-token")
    sealed = sealer.seal("access-sandbox-x")
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    for bad in (flipped, "v1.nokey.abc", "plain-text", ""):
        with pytest.raises(SealError):
            sealer.open(bad)
    with pytest.raises(SealError):
        Sealer(secret, "another-use").open(sealed)
    with pytest.raises(SealError) as refused:
        Sealer(secrets.token_urlsafe(32), "plaid-access-token").open(sealed)
    assert "access-sandbox" not in str(refused.value)


def test_after_a_rotation_old_values_open_and_are_marked_for_resealing() -> None:
    old, new = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    sealed = Sealer(old, "p").seal("t")
    rotated = Sealer(new, "p", retired=[old])
    assert rotated.open(sealed) == "t" and rotated.needs_reseal(sealed)
    assert not rotated.needs_reseal(rotated.seal("t"))
