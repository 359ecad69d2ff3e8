"""Administrator accounts (email and an argon2id password hash) and the pools they run.

Two roles. An `operator` runs the Mutua service itself: sees every pool, and grants
administrators to pools. An `admin` runs a co-op: sees the pools they created or were
granted, and nothing else. Administrators are created on the command line, by whoever runs
the service; a new `admin` sees no pool until they create one or an operator grants them one
(`mutua admin grant`, or `POST /v1/admin/pools/{id}/administrators`).

Checking a password costs about 300 ms of CPU by design, which makes it both the thing
worth guessing against and a way to stall the server. So hashing and verifying run in a
small pool of threads of their own (argon2 releases the GIL), never on the event loop, at
most `PASSWORD_CHECKS_AT_ONCE` at a time; and sign-in attempts are counted before any
password is checked (`LoginLimits`), so a guesser is stopped without costing a hash.
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import ratelimit
from core.clock import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.ratelimit import Limit, counter_key
from pools import repository
from pools.errors import (
    AdministratorNotFound,
    InvalidCredentials,
    TooManyLoginAttempts,
    WeakPassword,
)
from pools.models import ADMIN_ROLES, Administrator, Pool, PoolAdministrator

MIN_PASSWORD_LENGTH = 12
PASSWORD_CHECKS_AT_ONCE = 2
"""Threads hashing passwords; more logins at once wait their turn instead of taking the
machine's every core."""
LOGIN_WINDOW = timedelta(minutes=15)
KNOWN_ADDRESS_WINDOW = timedelta(days=30)
"""An address an administrator signed in from within one to two of these is theirs."""

_hasher = PasswordHasher()
_password_threads = ThreadPoolExecutor(PASSWORD_CHECKS_AT_ONCE, thread_name_prefix="argon2")
# Verifying against this when the email is unknown keeps both answers equally slow, so the
# login form does not reveal which emails have accounts.
_DUMMY_HASH = _hasher.hash("mutua-no-such-administrator")


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Failed sign-ins allowed per `LOGIN_WINDOW`, counted three ways.

    - `per_client`: on one account from one client address. Stops one guesser at once,
      and only that guesser: the real administrator, elsewhere, signs in as usual.
    - `per_address`: from one address, over every account (guessing across accounts).
    - `per_account`: on one account from every address together (a guesser spread over
      many addresses). It does not apply to an address the administrator signed in from
      within the last 30 to 60 days, so such an attack cannot lock them out, and it locks
      everyone else out for the rest of a window at most.
    """

    per_client: int = 5
    per_address: int = 20
    per_account: int = 50


async def hash_password(password: str) -> str:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_password_threads, _hasher.hash, password)


async def password_matches(password_hash: str, password: str) -> bool:
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(
            _password_threads, _hasher.verify, password_hash, password
        )
    except (VerificationError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    cleaned = email.strip().lower() if isinstance(email, str) else ""
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or len(cleaned) > 254 or " " in cleaned:
        raise ValidationFailed("the email address is not valid", field="email")
    return cleaned


async def create_admin(
    session: AsyncSession, email: str, password: str, role: str = "admin"
) -> Administrator:
    address = normalize_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"use at least {MIN_PASSWORD_LENGTH} characters")
    if role not in ADMIN_ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ADMIN_ROLES)}", field="role")
    if await repository.admin_by_email(session, address) is not None:
        raise Conflict(f"an administrator with email {address} exists already")
    admin = Administrator(email=address, password_hash=await hash_password(password), role=role)
    session.add(admin)
    await session.flush()
    return admin


async def authenticate_admin(
    session: AsyncSession,
    email: str,
    password: str,
    *,
    secret: str,
    client: str,
    limits: LoginLimits | None = None,
    now: datetime | None = None,
) -> Administrator:
    """The administrator whose email and password these are, else `InvalidCredentials`, or
    `TooManyLoginAttempts` (with the seconds to wait) once a limit is reached.

    This one commits, twice: the attempt is counted and committed before the password is
    checked, so neither a rollback nor fifty attempts at once escape the count; a success
    then takes its attempt back and remembers the client's address for the account.
    """
    limits = limits or LoginLimits()
    now = now or utcnow()
    try:
        address: str | None = normalize_email(email)
    except ValidationFailed:
        address = None
    account = address or email.strip().lower()[:254]
    per_client = Limit("admin-login:account-address", limits.per_client, LOGIN_WINDOW)
    per_address = Limit("admin-login:address", limits.per_address, LOGIN_WINDOW)
    per_account = Limit("admin-login:account", limits.per_account, LOGIN_WINDOW)
    known = Limit("admin-login:known-address", 1, KNOWN_ADDRESS_WINDOW)
    client_key = counter_key(secret, "admin", account, client)
    address_key = counter_key(secret, "address", client)
    account_key = counter_key(secret, "admin", account)

    verdicts = [
        await ratelimit.hit(session, per_client, client_key, now),
        await ratelimit.hit(session, per_address, address_key, now),
    ]
    is_known = await ratelimit.recent_count(session, known, client_key, now) > 0
    if not is_known:
        verdicts.append(await ratelimit.hit(session, per_account, account_key, now))
    admin = await repository.admin_by_email(session, address) if address else None
    await session.commit()
    refused = [verdict for verdict in verdicts if not verdict.allowed]
    if refused:
        raise TooManyLoginAttempts(
            retry_after_seconds=max(verdict.retry_after_seconds for verdict in refused)
        )

    matches = await password_matches(admin.password_hash if admin else _DUMMY_HASH, password)
    if admin is None or not matches:
        raise InvalidCredentials()
    await ratelimit.clear(session, per_client, client_key)
    await ratelimit.forgive(session, per_address, address_key, now)
    if not is_known:
        await ratelimit.forgive(session, per_account, account_key, now)
    await ratelimit.hit(session, known, client_key, now)
    await session.commit()
    return admin


async def grant_pool(
    session: AsyncSession, pool_id: uuid.UUID, email: str
) -> tuple[Administrator, Pool, bool]:
    """Make the administrator with `email` one of the pool's administrators.

    Granting again is harmless (the third value is False then). Only operators may call
    this from the API; the command line is run by whoever runs the service.
    """
    address = normalize_email(email)
    admin = await repository.admin_by_email(session, address)
    if admin is None:
        raise AdministratorNotFound(
            f"no administrator has the email {address}; create one with mutua admin create",
            email=address,
        )
    pool = await repository.pool_by_id(session, pool_id)
    if pool is None:
        raise NotFound("no such pool", pool_id=str(pool_id))
    if await repository.is_pool_admin(session, pool.id, admin.id):
        return admin, pool, False
    try:
        async with session.begin_nested():
            session.add(PoolAdministrator(pool_id=pool.id, administrator_id=admin.id))
    except IntegrityError:  # granted at the same moment by another request
        return admin, pool, False
    return admin, pool, True
