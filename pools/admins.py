"""Administrator accounts (email and an argon2id password hash) and the pools they run.

Two roles. An `operator` runs the Mutua service itself: sees every pool, and grants
administrators to pools. An `admin` runs a co-op: sees the pools they created or were
granted, and nothing else. Administrators are created on the command line, by whoever runs
the service; a new `admin` sees no pool until they create one or an operator grants them one
(`mutua admin grant`, or `POST /v1/admin/pools/{id}/administrators`).
"""

from __future__ import annotations

import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, NotFound, ValidationFailed
from pools import repository
from pools.errors import AdministratorNotFound, InvalidCredentials, WeakPassword
from pools.models import ADMIN_ROLES, Administrator, Pool, PoolAdministrator

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps both answers equally slow, so the
# login form does not reveal which emails have accounts.
_DUMMY_HASH = _hasher.hash("mutua-no-such-administrator")


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
    admin = Administrator(email=address, password_hash=_hasher.hash(password), role=role)
    session.add(admin)
    await session.flush()
    return admin


async def authenticate_admin(session: AsyncSession, email: str, password: str) -> Administrator:
    try:
        address = normalize_email(email)
    except ValidationFailed:
        raise InvalidCredentials() from None
    admin = await repository.admin_by_email(session, address)
    try:
        _hasher.verify(admin.password_hash if admin else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials() from None
    if admin is None:
        raise InvalidCredentials()
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
