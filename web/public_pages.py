"""The front page, the language picker, and signing in and out (workers and administrators).

Sign-in calls the same services with the same limits as `POST /v1/auth/...`: a code per
phone at most five times an hour and per client address, five guesses a code, and the
administrators' failed-attempt limits per client, address and account.
"""

from __future__ import annotations

import contextlib
from typing import Any

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from api.client_address import client_of
from core.errors import MutuaError
from core.phones import normalize_phone
from core.settings import Settings
from i18n import normalize_language
from pools import service
from pools.admins import LoginLimits, authenticate_admin
from pools.signin import CodeLimits, send_sign_in_code, verify_sign_in_code
from web.forms import form_of, problem_text, safe_next
from web.session import DbSession, recalled, remember, sign_in, sign_out, signed_in
from web.view import page, page_language


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@get("/", name="web:index")
async def index(request: Request[Any, Any, Any]) -> Template | Redirect:
    who = signed_in(request)
    if who is not None:
        return Redirect("/me" if who.kind == "worker" else "/admin")
    return page(request, "index.html")


@get("/language")
async def choose(
    request: Request[Any, Any, Any], lang: FromQuery[str] = "en", next: FromQuery[str] = "/"
) -> Redirect:
    """The picker: a preference for pages only; a worker's texts keep their own language."""
    with contextlib.suppress(MutuaError):
        remember(request, lang=normalize_language(lang))
    return Redirect(safe_next(next))


@get("/signin")
async def signin_form(request: Request[Any, Any, Any]) -> Template:
    return page(request, "signin.html", phone=recalled(request, "phone"))


@post("/signin", status_code=303)
async def signin_send(
    request: Request[Any, Any, Any], db_session: DbSession
) -> Template | Redirect:
    form = await form_of(request)
    settings = _settings(request)
    language = page_language(request)
    try:
        phone = normalize_phone(form.get("phone", ""))
        await send_sign_in_code(
            db_session,
            phone,
            secret=settings.secret_key,
            accept_language=language,
            client=client_of(request),
            limits=CodeLimits(
                per_address=settings.sign_in_codes_per_address,
                per_hour=settings.sign_in_codes_per_hour,
            ),
        )
        await db_session.commit()
    except MutuaError as error:
        await db_session.rollback()
        return page(
            request,
            "signin.html",
            status_code=error.status,
            phone=form.get("phone", ""),
            error=problem_text(error, language),
        )
    remember(request, phone=phone)
    return Redirect("/signin/code", status_code=303)


@get("/signin/code")
async def signin_code_form(request: Request[Any, Any, Any]) -> Template | Redirect:
    phone = recalled(request, "phone")
    if phone is None:
        return Redirect("/signin")
    return page(request, "signin_code.html", phone=phone)


@post("/signin/code", status_code=303)
async def signin_verify(
    request: Request[Any, Any, Any], db_session: DbSession
) -> Template | Redirect:
    phone = recalled(request, "phone")
    if phone is None:
        return Redirect("/signin", status_code=303)
    form = await form_of(request)
    settings = _settings(request)
    try:
        worker = await verify_sign_in_code(
            db_session, phone, form.get("code", ""), secret=settings.secret_key
        )
        memberships = await service.memberships(db_session, worker.id)
    except MutuaError as error:
        await db_session.rollback()
        return page(
            request,
            "signin_code.html",
            status_code=error.status,
            phone=phone,
            error=problem_text(error, page_language(request)),
        )
    chosen_page_language = recalled(request, "lang")
    sign_in(request, "worker", worker.id)
    if worker.language and not chosen_page_language:
        remember(request, lang=worker.language)
    active = [m for m, _ in memberships if m.status != "left"]
    return Redirect("/me" if active else "/join", status_code=303)


@get("/admin/signin")
async def admin_signin_form(request: Request[Any, Any, Any]) -> Template:
    return page(request, "admin/signin.html")


@post("/admin/signin", status_code=303)
async def admin_signin(
    request: Request[Any, Any, Any], db_session: DbSession
) -> Template | Redirect:
    form = await form_of(request)
    settings = _settings(request)
    try:
        admin = await authenticate_admin(
            db_session,
            form.get("email", ""),
            form.get("password", ""),
            secret=settings.secret_key,
            client=client_of(request),
            limits=LoginLimits(
                per_client=settings.admin_login_failures_per_client,
                per_address=settings.admin_login_failures_per_address,
                per_account=settings.admin_login_failures_per_account,
            ),
        )
    except MutuaError as error:
        await db_session.rollback()
        return page(
            request,
            "admin/signin.html",
            status_code=error.status,
            email=form.get("email", ""),
            error=problem_text(error, page_language(request)),
        )
    sign_in(request, "admin", admin.id)
    return Redirect("/admin", status_code=303)


@post("/signout", status_code=303)
async def signout(request: Request[Any, Any, Any]) -> Redirect:
    sign_out(request)
    return Redirect("/", status_code=303)


PUBLIC_HANDLERS = [
    index,
    choose,
    signin_form,
    signin_send,
    signin_code_form,
    signin_verify,
    admin_signin_form,
    admin_signin,
    signout,
]
