"""Who is signed in to the pages: a worker or an administrator, kept in a signed cookie.

The cookie is Litestar's client-side session (AES-GCM, so it is both secret and signed),
`HttpOnly` and `SameSite=Lax`, and `Secure` when the site is served over HTTPS. It holds
the signed-in person's kind and id, when they signed in, the page language they picked, and
during sign-in the phone a code was sent to; nothing else. A signed-in session expires
after the access-token lifetime, like an API token.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.middleware.session.client_side import CookieBackendConfig
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden
from core.settings import Settings
from pools import repository
from pools.models import Administrator, Worker

DbSession = NamedDependency[AsyncSession]

COOKIE = "mutua_session"
API_PATHS = ["^/v1/", "^/health", "^/ready", "^/schema"]
"""Routes that take bearer tokens, not cookies: no session and no CSRF check there."""


class SignInRequired(Exception):
    """The page needs someone signed in (of `kind`); the handler sends them to sign in."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def derived_key(settings: Settings, purpose: str) -> bytes:
    """A 32-byte key for one purpose, so the session and CSRF keys never equal the token key."""
    return hmac.new(settings.secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def session_config(settings: Settings) -> CookieBackendConfig:
    return CookieBackendConfig(
        secret=derived_key(settings, "mutua-web-session"),
        key=COOKIE,
        max_age=settings.token_ttl_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.https,
        exclude=API_PATHS,
    )


@dataclass(frozen=True)
class SignedIn:
    kind: str
    """`worker` or `admin`."""
    id: uuid.UUID


def _session(request: Request[Any, Any, Any]) -> dict[str, Any]:
    data = request.scope.get("session")
    return data if isinstance(data, dict) else {}


def signed_in(request: Request[Any, Any, Any]) -> SignedIn | None:
    data = _session(request)
    settings: Settings = request.app.state.settings
    try:
        kind, raw_id, at = data["kind"], data["id"], float(data["at"])
        who = SignedIn(kind=str(kind), id=uuid.UUID(str(raw_id)))
    except (KeyError, TypeError, ValueError):
        return None
    if time.time() - at > settings.token_ttl_seconds:
        return None
    return who


def sign_in(request: Request[Any, Any, Any], kind: str, person_id: uuid.UUID) -> None:
    """A fresh session for the person: whatever the cookie held before is dropped."""
    language = _session(request).get("lang")
    fresh: dict[str, Any] = {"kind": kind, "id": str(person_id), "at": time.time()}
    if language:
        fresh["lang"] = language
    request.set_session(fresh)


def sign_out(request: Request[Any, Any, Any]) -> None:
    language = _session(request).get("lang")
    request.set_session({"lang": language} if language else {})


def remember(request: Request[Any, Any, Any], **values: str | None) -> None:
    data = dict(_session(request))
    for name, value in values.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    request.set_session(data)


def recalled(request: Request[Any, Any, Any], name: str) -> str | None:
    value = _session(request).get(name)
    return value if isinstance(value, str) else None


async def current_worker(request: Request[Any, Any, Any], session: AsyncSession) -> Worker:
    who = signed_in(request)
    if who is None:
        raise SignInRequired("worker")
    if who.kind != "worker":
        raise Forbidden("this page is for workers")
    worker = await repository.worker_by_id(session, who.id)
    if worker is None:
        raise SignInRequired("worker")
    return worker


async def current_admin(request: Request[Any, Any, Any], session: AsyncSession) -> Administrator:
    who = signed_in(request)
    if who is None:
        raise SignInRequired("admin")
    if who.kind != "admin":
        raise Forbidden("this page is for administrators")
    admin = await repository.admin_by_id(session, who.id)
    if admin is None:
        raise SignInRequired("admin")
    return admin
