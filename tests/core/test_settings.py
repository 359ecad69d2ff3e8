"""Settings read from the environment: what is refused at start-up, before any request."""

from __future__ import annotations

import secrets

import pytest

from core.settings import Settings, secret_key_bits

POSTGRES = "postgresql+asyncpg://mutua@db.internal/mutua"


@pytest.mark.parametrize(
    "key",
    ["x", "secret", "correct-horse", "a" * 200, "ab" * 60, secrets.token_hex(31)],
    ids=["x", "secret", "words", "one-letter", "two-letters", "31-random-bytes"],
)
def test_a_guessable_secret_key_is_refused_in_production(key: str) -> None:
    with pytest.raises(ValueError, match="at least 32 random bytes"):
        Settings.from_env({"MUTUA_DATABASE_URL": POSTGRES, "MUTUA_SECRET_KEY": key})


@pytest.mark.parametrize(
    "key",
    [secrets.token_urlsafe(32), secrets.token_hex(32), secrets.token_urlsafe(64)],
    ids=["urlsafe-32", "hex-32", "urlsafe-64"],
)
def test_a_key_of_32_random_bytes_is_accepted(key: str) -> None:
    settings = Settings.from_env({"MUTUA_DATABASE_URL": POSTGRES, "MUTUA_SECRET_KEY": key})
    assert settings.secret_key == key
    assert secret_key_bits(key) >= 256


def test_production_without_a_key_is_refused() -> None:
    with pytest.raises(RuntimeError, match="MUTUA_SECRET_KEY must be set"):
        Settings.from_env({"MUTUA_DATABASE_URL": POSTGRES})


def test_the_secret_key_is_not_in_the_settings_repr() -> None:
    key = secrets.token_urlsafe(32)
    settings = Settings.from_env({"MUTUA_DATABASE_URL": POSTGRES, "MUTUA_SECRET_KEY": key})
    assert key not in repr(settings)


def test_trusted_proxies_are_a_comma_separated_list_of_addresses_and_networks() -> None:
    settings = Settings.from_env(
        {
            "MUTUA_DATABASE_URL": "sqlite+aiosqlite:///:memory:",
            "MUTUA_SECRET_KEY": "dev",
            "MUTUA_TRUSTED_PROXIES": " 10.0.0.0/8, 127.0.0.1 ,,fd00::/8",
        }
    )
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1", "fd00::/8")
    assert Settings.from_env({"MUTUA_SECRET_KEY": "dev"}).trusted_proxies == ()


def test_a_trusted_proxy_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'proxy\.internal' is not an IP address"):
        Settings.from_env({"MUTUA_SECRET_KEY": "dev", "MUTUA_TRUSTED_PROXIES": "proxy.internal"})
