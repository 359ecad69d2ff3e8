"""The administrators' pages: their pools, a pool's health, and its monthly runs.

Health is `appeals.review.pool_health` (the service of `GET /v1/admin/pools/{id}/health`);
starting a run is the API's `start_run_in_background`; a pool the administrator does not
run is a 404, as in the API. The run's progress is live: with JavaScript, HTMX polls a
fragment every second until the run ends; without it, the run page refreshes itself.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.client_address import client_of
from api.run_tasks import start_run_in_background
from appeals import review as appeal_review
from audit import Actor
from core.clock import utcnow
from core.errors import InvalidPeriod, MutuaError
from core.periods import Period
from pools import service
from pools.models import Administrator, Pool
from pools.viewer import Viewer
from runs import service as runs_service
from runs.schemas import HealthOut
from web.charts import Band, bar_chart, fan_chart
from web.forms import problem_text
from web.session import DbSession, current_admin
from web.view import Formats, Texts, page, page_language

POOLS_SHOWN = 100


def viewer_of(admin: Administrator) -> Viewer:
    return Viewer.of_admin(admin)


async def administered(
    request: Request[Any, Any, Any], session: AsyncSession, pool_id: uuid.UUID
) -> tuple[Administrator, Pool]:
    admin = await current_admin(request, session)
    return admin, await service.administered_pool(session, viewer_of(admin), pool_id)


def month_label(formats: Formats, month: object) -> str:
    try:
        return formats.short_period(str(month))
    except InvalidPeriod:
        return str(month)


def health_charts(health: HealthOut, language: str) -> dict[str, Any]:
    formats = Formats(language)
    texts = Texts(language)

    def money(minor: int) -> str:
        return formats.money(minor, health.currency)

    charts: dict[str, Any] = {}
    if health.solvency is not None:
        fan = health.solvency.fan
        labels = [month_label(formats, m) for m in fan.get("months", [])]
        charts["fan"] = fan_chart(
            texts("health.fan"),
            labels,
            [
                Band(fan["p05"], fan["p95"], "band-outer"),
                Band(fan["p25"], fan["p75"], "band-inner"),
            ],
            fan["p50"],
            money,
        )
        charts["fan_rows"] = [
            (
                formats.period(str(month)),
                *(money(fan[key][i]) for key in ("p05", "p25", "p50", "p75", "p95")),
            )
            for i, month in enumerate(fan.get("months", []))
        ]
    flows = health.flows_last_12
    charts["flows"] = bar_chart(
        texts("health.flows"),
        [month_label(formats, flow.period) for flow in flows],
        [
            ("bar-in", [f.contributions_minor for f in flows]),
            ("bar-out", [f.payouts_minor for f in flows]),
        ],
        money,
    )
    return charts


@get("/admin")
async def pools(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    admin = await current_admin(request, db_session)
    now = utcnow()
    rows = []
    for pool in await service.administered_pools_page(
        db_session, admin, after=None, limit=POOLS_SHOWN
    ):
        rows.append((pool, await appeal_review.pool_health(db_session, pool, now)))
    return page(request, "admin/pools.html", rows=rows)


def period_to_run(pool: Pool) -> Period:
    """The month a run now would close: the last one that is over in the pool's zone."""
    return Period.current(pool.timezone).shift(-1)


async def health_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    pool: Pool,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Template:
    language = page_language(request)
    health = await appeal_review.pool_health(db_session, pool, utcnow())
    runs = await runs_service.pool_runs(db_session, pool)
    return page(
        request,
        "admin/health.html",
        status_code=status_code,
        pool=pool,
        health=health,
        runs=runs.items,
        next_period=str(period_to_run(pool)),
        error=error,
        **health_charts(health, language),
    )


@get("/admin/pools/{pool_id:uuid}")
async def health(
    request: Request[Any, Any, Any], pool_id: FromPath[uuid.UUID], db_session: DbSession
) -> Template:
    _, pool = await administered(request, db_session, pool_id)
    return await health_page(request, db_session, pool)


@post("/admin/pools/{pool_id:uuid}/runs", status_code=303)
async def start_run(
    request: Request[Any, Any, Any], pool_id: FromPath[uuid.UUID], db_session: DbSession
) -> Template | Redirect:
    """Run (or resume) the last closed month; a month already run is shown, not rerun."""
    admin, pool = await administered(request, db_session, pool_id)
    period = period_to_run(pool)
    actor = Actor.administrator(admin.id, admin.email, client_of(request))
    await db_session.rollback()  # the runner uses sessions of its own (SQLite: one writer)
    try:
        run = await start_run_in_background(request.app, pool_id, period, actor)
    except MutuaError as error:
        _, pool = await administered(request, db_session, pool_id)
        return await health_page(
            request,
            db_session,
            pool,
            status_code=error.status,
            error=problem_text(error, page_language(request)),
        )
    if request.headers.get("hx-request") == "true":
        _, pool = await administered(request, db_session, pool_id)
        return page(request, "admin/run_progress.html", pool=pool, run=runs_service.run_out(run))
    return Redirect(f"/admin/pools/{pool_id}/runs/{run.id}", status_code=303)


@get("/admin/pools/{pool_id:uuid}/runs/{run_id:uuid}")
async def run_page(
    request: Request[Any, Any, Any],
    pool_id: FromPath[uuid.UUID],
    run_id: FromPath[uuid.UUID],
    db_session: DbSession,
) -> Template:
    """The run as it stands; the fragment alone when HTMX polls for it."""
    _, pool = await administered(request, db_session, pool_id)
    run = await runs_service.pool_run(db_session, pool, run_id)
    fragment = request.headers.get("hx-request") == "true"
    template = "admin/run_progress.html" if fragment else "admin/run.html"
    return page(request, template, pool=pool, run=run)


ADMIN_HANDLERS = [pools, health, start_run, run_page]
