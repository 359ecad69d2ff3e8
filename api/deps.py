"""Request-scoped dependencies: the database session and who is calling.

The session is never committed here: the money path commits inside the service, before the
response exists, so nothing is reported as done that might still roll back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from api.tokens import Principal, bearer_token, read_token
from core.errors import Forbidden, Unauthorized
from core.settings import Settings
from pools import repository
from pools.models import Administrator, Worker
from pools.viewer import Viewer

DbSession = NamedDependency[AsyncSession]
AppSettings = NamedDependency[Settings]
CurrentWorker = NamedDependency[Worker]
CurrentAdmin = NamedDependency[Administrator]
CurrentViewer = NamedDependency[Viewer]


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    async with state.session_factory() as session:
        yield session


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def principal_of(request: Request[Any, Any, Any]) -> Principal | None:
    """The caller named by a valid bearer token; a present but bad token is a 401, never
    silently anonymous."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return None
    settings: Settings = request.app.state.settings
    return read_token(settings.secret_key, token)


async def provide_worker(request: Request[Any, Any, Any], db_session: DbSession) -> Worker:
    principal = principal_of(request)
    if principal is None:
        raise Unauthorized("sign in with the code we text you")
    if principal.kind != "worker":
        raise Forbidden("this route is for workers")
    worker = await repository.worker_by_id(db_session, principal.id)
    if worker is None:
        raise Unauthorized("the account no longer exists")
    return worker


async def provide_admin(request: Request[Any, Any, Any], db_session: DbSession) -> Administrator:
    principal = principal_of(request)
    if principal is None:
        raise Unauthorized("administrators sign in with email and password")
    if principal.kind != "admin":
        raise Forbidden("administrators only")
    admin = await repository.admin_by_id(db_session, principal.id)
    if admin is None:
        raise Unauthorized("the account no longer exists")
    return admin


async def provide_viewer(request: Request[Any, Any, Any], db_session: DbSession) -> Viewer:
    """Either kind of caller, for routes that both workers and administrators may use."""
    principal = principal_of(request)
    if principal is None:
        raise Unauthorized("sign in first")
    if principal.kind == "worker":
        worker = await provide_worker(request, db_session)
        return Viewer(worker_id=worker.id)
    admin = await provide_admin(request, db_session)
    return Viewer.of_admin(admin)
