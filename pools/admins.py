"""Administrator accounts: email and an argon2id password hash."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, ValidationFailed
from pools import repository
from pools.errors import InvalidCredentials, WeakPassword
from pools.models import ADMIN_ROLES, Administrator

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
