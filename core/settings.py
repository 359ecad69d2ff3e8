"""Settings read once from the environment (`MUTUA_*`) and passed to whoever needs them.

Nothing reads the environment at import time, so tests build settings of their own and two
apps with different settings can live in one process.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/mutua.db"
DEFAULT_SMS_PROVIDER = "file:var/sms-outbox.jsonl"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    """SQLAlchemy async URL; SQLite under var/ is the embedded default, PostgreSQL (asyncpg)
    is production."""
    secret_key: str = field(default="", repr=False)
    """Signs access tokens and peppers sign-in code hashes; rotate it to sign everyone out."""
    sms_provider: str = DEFAULT_SMS_PROVIDER
    """Where outbound SMS go: `file:PATH` appends one JSON line per message, `memory` keeps
    them in the process (tests)."""
    token_ttl_seconds: int = 30 * 24 * 3600
    """Lifetime of an access token; workers on SMS-only phones sign in rarely."""
    max_body_bytes: int = 1024 * 1024
    """Largest request body accepted; larger ones get 413 before any parsing."""
    debug: bool = False
    """Show tracebacks in error responses; never in production."""
    run_chunk_size: int = 1000
    """Members per transaction in the monthly run: a crash loses at most one chunk's work,
    which is redone, and several runners share a run chunk by chunk."""
    model_max_age_months: int = 3
    """A population fit older than this is refitted by the next run; younger ones are
    reused and only the per-member update runs."""
    pool_fit_min_members: int = 200
    """Members with 6+ months of history a pool needs to fit a population of its own."""
    rate_recommendation_share: float = 0.10
    """A solved contribution rate this far (relative) from the one in force is shown to the
    pool's administrators as a recommendation."""
    run_lease_seconds: int = 60
    """How long a runner holds a run without renewing; a runner that died is replaced after
    this long."""
    reminder_days_before_cutoff: int = 3
    """Days before a pool's income cut-off when members who reported nothing are reminded."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        database_url = env.get("MUTUA_DATABASE_URL", DEFAULT_DATABASE_URL)
        secret = env.get("MUTUA_SECRET_KEY") or _local_secret(database_url)
        return cls(
            database_url=database_url,
            secret_key=secret,
            sms_provider=env.get("MUTUA_SMS_PROVIDER", DEFAULT_SMS_PROVIDER),
            token_ttl_seconds=int(env.get("MUTUA_TOKEN_TTL_SECONDS", cls.token_ttl_seconds)),
            debug=env.get("MUTUA_DEBUG", "").lower() in {"1", "true", "yes"},
            run_chunk_size=int(env.get("MUTUA_RUN_CHUNK_SIZE", cls.run_chunk_size)),
            model_max_age_months=int(
                env.get("MUTUA_MODEL_MAX_AGE_MONTHS", cls.model_max_age_months)
            ),
            pool_fit_min_members=int(
                env.get("MUTUA_POOL_FIT_MIN_MEMBERS", cls.pool_fit_min_members)
            ),
            rate_recommendation_share=float(
                env.get("MUTUA_RATE_RECOMMENDATION_SHARE", cls.rate_recommendation_share)
            ),
            run_lease_seconds=int(env.get("MUTUA_RUN_LEASE_SECONDS", cls.run_lease_seconds)),
            reminder_days_before_cutoff=int(
                env.get("MUTUA_REMINDER_DAYS_BEFORE_CUTOFF", cls.reminder_days_before_cutoff)
            ),
        )


def _local_secret(database_url: str) -> str:
    """A development secret kept beside the embedded database, so tokens survive restarts.

    PostgreSQL deployments must set MUTUA_SECRET_KEY; a made-up key there would sign every
    worker out on each restart and differ between processes.
    """
    if not database_url.startswith("sqlite"):
        raise RuntimeError("MUTUA_SECRET_KEY must be set when the database is not SQLite")
    path = Path("var/secret.key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
