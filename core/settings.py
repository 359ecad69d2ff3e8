"""Settings read once from the environment (`MUTUA_*`) and passed to whoever needs them.

Nothing reads the environment at import time, so tests build settings of their own and two
apps with different settings can live in one process.
"""

from __future__ import annotations

import ipaddress
import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.plaid_settings import PlaidSettings

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/mutua.db"
DEFAULT_SMS_PROVIDER = "file:var/sms-outbox.jsonl"
_HEX = "0123456789abcdefABCDEF"
_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_"
MIN_SECRET_BITS = 256
"""Entropy a production secret key must carry: 32 random bytes, as
`python -c 'import secrets; print(secrets.token_urlsafe(32))'` prints."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    """SQLAlchemy async URL; SQLite under var/ is the embedded default, PostgreSQL (asyncpg)
    is production."""
    database_pool_size: int = 20
    """PostgreSQL connections each server process keeps open. Requests beyond it wait for
    one; a pool smaller than the requests in flight makes and drops a connection for each
    request over it, which costs more than the request's own work."""
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
    plaid: PlaidSettings = field(default_factory=PlaidSettings)
    """The bank link (`MUTUA_PLAID_*`); off until a client id and secret are set."""
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
    admin_login_failures_per_client: int = 5
    """Failed administrator sign-ins allowed on one account from one client address in 15
    minutes; then that client gets 429 (with Retry-After) until the window ends."""
    admin_login_failures_per_address: int = 20
    """Failed administrator sign-ins allowed from one client address, over all accounts,
    in 15 minutes."""
    admin_login_failures_per_account: int = 50
    """Failed sign-ins allowed on one administrator account from all addresses together in
    15 minutes; addresses the administrator signed in from lately are exempt, so a spread
    out guesser cannot lock them out."""
    sign_in_codes_per_address: int = 20
    """Sign-in codes sent per hour, to any numbers, at the request of one client address (an
    IPv6 client counts by its /64). Mobile networks put many people behind one address, so
    this is a ceiling against SMS pumping, not a per-person allowance."""
    sign_in_codes_per_hour: int = 1000
    """Sign-in codes sent per hour in all: the most a burst of SMS pumping can cost. Past it
    sign-in answers 503 with Retry-After until the hour turns."""
    idempotency_lease_seconds: int = 15
    """How long a request with an Idempotency-Key holds its key unrenewed. A running request
    renews it every third of this; one that died with its process stops, and a retry takes
    the key over this long after the crash at most."""
    outbox_poll_seconds: int = 5
    """How often the server's outbox worker looks for messages nobody woke it for: retries
    that came due, and texts queued by other processes (the monthly run). A request that
    queues a text wakes it at once."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks (`10.0.0.0/8`) of the reverse proxies in front of the app.
    `X-Forwarded-For` is believed only from these, so a client cannot name its own address
    and escape the per-address limits; empty (the default) believes it from nobody."""
    https: bool = False
    """The site is served over HTTPS (a TLS proxy in front): the pages' session and CSRF
    cookies are then marked `Secure`, so a browser never sends them over plain HTTP."""

    public_url: str = ""
    """The address the world reaches Mutua at (`https://mutua.example.org`), as configured
    at the SMS gateways: Twilio signs the URL it called, which a proxy hides from us."""
    support_contact: str = "mutua.coop/help"
    """Where the HELP text sends workers for a person (a phone number or a short address)."""
    sms_inbound_per_hour: int = 30
    """Texts one phone may send Mutua per hour; past it, one reply says so, then silence."""
    ussd_per_hour: int = 120
    """USSD screens one phone may open per hour (a session is one screen an answer, so this
    is some twenty sessions); past it the menu ends at once with a screen that says so."""
    twilio_account_sid: str = ""
    """Twilio account (`AC…`); webhooks naming another account are refused."""
    twilio_auth_token: str = field(default="", repr=False)
    """Signs Twilio's webhooks and authenticates our REST calls."""
    twilio_from: str = ""
    """The sender number (E.164) of outbound texts, unless a messaging service is set."""
    twilio_messaging_service_sid: str = ""
    """A Twilio messaging service (`MG…`) to send from instead of one number."""
    twilio_api_url: str = "https://api.twilio.com"
    """Twilio's REST API; tests and `mutua sms fake` point it at the local fake."""
    africastalking_username: str = ""
    africastalking_api_key: str = field(default="", repr=False)
    africastalking_from: str = ""
    """Sender id or short code for Africa's Talking texts; empty uses the account default."""
    africastalking_api_url: str = "https://api.africastalking.com"
    africastalking_callback_token: str = field(default="", repr=False)
    """Africa's Talking does not sign its callbacks: the USSD, inbound-SMS and delivery
    callback URLs carry this secret as `?token=`, and a callback without it is refused."""

    def __post_init__(self) -> None:
        for entry in self.trusted_proxies:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"MUTUA_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
                ) from None
        if not self.database_url.startswith("sqlite"):
            check_secret_key(self.secret_key)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        database_url = env.get("MUTUA_DATABASE_URL", DEFAULT_DATABASE_URL)
        secret = env.get("MUTUA_SECRET_KEY") or _local_secret(database_url)
        return cls(
            database_url=database_url,
            secret_key=secret,
            database_pool_size=_int(env, "MUTUA_DATABASE_POOL_SIZE", cls.database_pool_size),
            sms_provider=env.get("MUTUA_SMS_PROVIDER", DEFAULT_SMS_PROVIDER),
            token_ttl_seconds=_int(env, "MUTUA_TOKEN_TTL_SECONDS", cls.token_ttl_seconds),
            debug=env.get("MUTUA_DEBUG", "").lower() in {"1", "true", "yes"},
            plaid=PlaidSettings.from_env(env),
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
            admin_login_failures_per_client=_int(env, "MUTUA_ADMIN_LOGIN_FAILURES_PER_CLIENT", 5),
            admin_login_failures_per_address=_int(
                env, "MUTUA_ADMIN_LOGIN_FAILURES_PER_ADDRESS", 20
            ),
            admin_login_failures_per_account=_int(
                env, "MUTUA_ADMIN_LOGIN_FAILURES_PER_ACCOUNT", 50
            ),
            sign_in_codes_per_address=_int(env, "MUTUA_SIGN_IN_CODES_PER_ADDRESS", 20),
            sign_in_codes_per_hour=_int(env, "MUTUA_SIGN_IN_CODES_PER_HOUR", 1000),
            idempotency_lease_seconds=_int(env, "MUTUA_IDEMPOTENCY_LEASE_SECONDS", 15),
            outbox_poll_seconds=_int(env, "MUTUA_OUTBOX_POLL_SECONDS", cls.outbox_poll_seconds),
            public_url=env.get("MUTUA_PUBLIC_URL", "").strip(),
            support_contact=env.get("MUTUA_SUPPORT_CONTACT", cls.support_contact),
            sms_inbound_per_hour=_int(env, "MUTUA_SMS_INBOUND_PER_HOUR", 30),
            ussd_per_hour=_int(env, "MUTUA_USSD_PER_HOUR", cls.ussd_per_hour),
            twilio_account_sid=env.get("MUTUA_TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=env.get("MUTUA_TWILIO_AUTH_TOKEN", ""),
            twilio_from=env.get("MUTUA_TWILIO_FROM", ""),
            twilio_messaging_service_sid=env.get("MUTUA_TWILIO_MESSAGING_SERVICE_SID", ""),
            twilio_api_url=env.get("MUTUA_TWILIO_API_URL", cls.twilio_api_url),
            africastalking_username=env.get("MUTUA_AFRICASTALKING_USERNAME", ""),
            africastalking_api_key=env.get("MUTUA_AFRICASTALKING_API_KEY", ""),
            africastalking_from=env.get("MUTUA_AFRICASTALKING_FROM", ""),
            africastalking_api_url=env.get(
                "MUTUA_AFRICASTALKING_API_URL", cls.africastalking_api_url
            ),
            africastalking_callback_token=env.get("MUTUA_AFRICASTALKING_CALLBACK_TOKEN", ""),
            trusted_proxies=tuple(
                entry.strip()
                for entry in env.get("MUTUA_TRUSTED_PROXIES", "").split(",")
                if entry.strip()
            ),
            https=env.get("MUTUA_HTTPS", "").lower() in {"1", "true", "yes"},
        )


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of at least 1 from the environment, or a start-up error naming it."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def secret_key_bits(key: str) -> float:
    """An estimate of a key's entropy: its length times the bits per character of the
    smallest usual alphabet (hex, base64, printable ASCII, any byte) holding all of it.

    Random keys are drawn from one of these alphabets, so a real key is estimated about
    right. A key of fewer than 8 distinct characters (`aaaa…`, `abab…`) is a pattern, not
    a draw, and is counted by its distinct characters alone.
    """
    distinct = set(key)
    if len(distinct) < 8:
        return len(key) * math.log2(len(distinct)) if len(distinct) > 1 else 0.0
    if distinct <= set(_HEX):
        alphabet = 16
    elif distinct <= set(_BASE64):
        alphabet = 64
    elif key.isascii() and key.isprintable():
        alphabet = 95
    else:
        alphabet = 256
    return len(key.encode()) * math.log2(alphabet)


def check_secret_key(key: str) -> None:
    """Refuse a production key an attacker could guess: it signs every access token."""
    if secret_key_bits(key) < MIN_SECRET_BITS:
        raise ValueError(
            f"MUTUA_SECRET_KEY must carry at least {MIN_SECRET_BITS // 8} random bytes; make "
            "one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
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
        # Created owner-only from the first byte, not chmod-ed after being written.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
