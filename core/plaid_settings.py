"""Plaid's settings, read apart from the rest so the bank link can be off by default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

PLAID_HOSTS = {
    "sandbox": "https://sandbox.plaid.com",
    "production": "https://production.plaid.com",
}


@dataclass(frozen=True)
class PlaidSettings:
    client_id: str = ""
    """`MUTUA_PLAID_CLIENT_ID`; with the secret, turns the bank link on."""
    secret: str = field(default="", repr=False)
    """`MUTUA_PLAID_SECRET`, never logged."""
    env: str = "sandbox"
    """`MUTUA_PLAID_ENV`: `sandbox` or `production`, which picks Plaid's host."""
    url: str = ""
    """`MUTUA_PLAID_URL`: a host that replaces the environment's (the local fake)."""
    webhook_url: str = ""
    """`MUTUA_PLAID_WEBHOOK_URL`: the public address of `POST /v1/webhooks/plaid`, given
    to Plaid with every new link; empty means no webhooks, only scheduled syncs."""

    def __post_init__(self) -> None:
        if self.env not in PLAID_HOSTS:
            raise ValueError(
                f"MUTUA_PLAID_ENV must be one of {sorted(PLAID_HOSTS)}, not {self.env!r}"
            )

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and self.secret)

    @property
    def host(self) -> str:
        return (self.url or PLAID_HOSTS[self.env]).rstrip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PlaidSettings:
        env = os.environ if env is None else env
        return cls(
            client_id=env.get("MUTUA_PLAID_CLIENT_ID", ""),
            secret=env.get("MUTUA_PLAID_SECRET", ""),
            env=env.get("MUTUA_PLAID_ENV", "sandbox") or "sandbox",
            url=env.get("MUTUA_PLAID_URL", ""),
            webhook_url=env.get("MUTUA_PLAID_WEBHOOK_URL", ""),
        )
