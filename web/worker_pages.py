"""The worker's pages: joining a pool, and the month at a glance.

Every figure comes from what the monthly run stored, read through `runs.service.worker_plan`
(the service behind `GET /v1/me/plan`), so the page, the API and the SMS statement agree.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from core.errors import MutuaError
from core.periods import Period
from i18n import normalize_language
from income import service as income
from notifications.repository import SECRET_TEMPLATES, messages_to
from pools import service
from pools.profile import update_profile
from runs import service as runs_service
from runs.errors import NoPlanYet
from runs.schemas import PlanOut
from web.charts import Band, fan_chart
from web.forms import form_of, problem_text
from web.session import DbSession, current_worker, remember
from web.view import Formats, Texts, page, page_language

MESSAGES_SHOWN = 8


@get("/join")
async def join_form(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    worker = await current_worker(request, db_session)
    return page(request, "worker/join.html", name=worker.name)


@post("/join", status_code=303)
async def join(request: Request[Any, Any, Any], db_session: DbSession) -> Template | Redirect:
    """Name, language and pool in one step: all of it applies, or none (one transaction)."""
    worker = await current_worker(request, db_session)
    form = await form_of(request)
    language = page_language(request)
    try:
        chosen = normalize_language(form.get("language") or language)
        await update_profile(
            db_session,
            worker,
            name=form.get("name") or None,
            language=chosen if chosen != worker.language else None,
        )
        await service.join_pool(db_session, worker, form.get("code", ""))
        await db_session.commit()
    except MutuaError as error:
        await db_session.rollback()
        return page(
            request,
            "worker/join.html",
            status_code=error.status,
            code=form.get("code", ""),
            name=form.get("name", ""),
            error=problem_text(error, language),
        )
    remember(request, lang=chosen)
    return Redirect("/me", status_code=303)


def forecast_chart(plan: PlanOut, language: str) -> object:
    formats = Formats(language)
    months = plan.forecast
    return fan_chart(
        Texts(language)("home.forecast"),
        [formats.short_period(m.month) for m in months],
        [Band([m.p10_minor for m in months], [m.p90_minor for m in months], "band-outer")],
        [m.p50_minor for m in months],
        lambda minor: formats.money(minor, plan.currency),
    )


@get("/me")
async def home(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    worker = await current_worker(request, db_session)
    language = page_language(request)
    memberships = [
        {"pool_name": pool.name, "status": membership.status}
        for membership, pool in await service.memberships(db_session, worker.id)
        if membership.status != "left"
    ]
    try:
        plan: PlanOut | None = await runs_service.worker_plan(db_session, worker.id, None, language)
    except NoPlanYet:
        plan = None
    messages = [
        message
        for message in await messages_to(db_session, worker.phone_e164)
        if message.template not in SECRET_TEMPLATES
    ]
    messages.sort(key=lambda message: message.created_at, reverse=True)
    latest = None
    if plan is None:
        recent = await income.months_page(
            db_session,
            worker.id,
            from_period=Period.current().shift(-2),
            to_period=None,
            after=None,
            limit=3,
        )
        latest = recent.by_month[-1] if recent.by_month else None
    reliefs = []
    if plan is not None:
        reliefs = [*plan.payouts_last_12]
        if plan.relief is not None:
            reliefs.insert(0, plan.relief)
    return page(
        request,
        "worker/home.html",
        worker=worker,
        memberships=memberships,
        plan=plan,
        latest_income=latest,
        forecast_chart=forecast_chart(plan, language) if plan else None,
        reliefs=reliefs[:6],
        messages=messages[:MESSAGES_SHOWN],
    )


WORKER_HANDLERS = [join_form, join, home]
