"""Leave pay on the web: members see their pools' benefits, choose a tier, claim, say they
are back, and answer other members' claims; administrators approve or refuse claims.

Everything here is `benefits.service`, the functions the API and SMS call.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.client_address import client_of
from audit import Actor
from benefits import repository, service
from benefits.models import BENEFIT_KINDS
from core.errors import MutuaError, ValidationFailed
from pools import repository as pools_repository
from pools.models import Worker
from pools.service import administered_pool
from web.admin_pages import viewer_of
from web.forms import form_of, problem_text
from web.session import DbSession, current_admin, current_worker
from web.view import Texts, page, page_language


async def _worker_page(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    worker: Worker,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    offers = []
    for member, pool in await pools_repository.memberships_of_worker(session, worker.id):
        if member.status != "active":
            continue
        for plan in await repository.plans_of(session, pool.id):
            chosen = await repository.enrolment_of(session, member.id, plan.kind)
            offers.append({"pool": pool, "plan": plan, "level": chosen.level if chosen else None})
    claims = await service.claims_of_worker(session, worker.id)
    to_answer = await service.claims_to_answer(session, worker.id)
    return page(
        request, "worker/benefits.html", status_code=status_code, offers=offers,
        claims=claims, to_answer=to_answer, kinds=BENEFIT_KINDS, **context,
    )  # fmt: skip


def _uuid(text: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValidationFailed(f"{field} is not an id", field=field) from None


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"{field} is a date like 2026-12-03", field=field) from None


@get("/me/benefits")
async def benefits(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    worker = await current_worker(request, db_session)
    return await _worker_page(request, db_session, worker)


@post("/me/benefits", status_code=200)
async def act(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    """One form target for the page's actions: `tier`, `claim`, `back`, `yes`, `no`."""
    worker = await current_worker(request, db_session)
    form = await form_of(request)
    action = form.get("action", "")
    try:
        if action == "tier":
            level = int(form.get("level", "0")) if form.get("level", "").isdigit() else 0
            await service.choose_tier(
                db_session, worker, _uuid(form.get("pool_id", ""), "pool_id"),
                form.get("kind", ""), level,
            )  # fmt: skip
        elif action == "claim":
            kind = form.get("kind", "sick")
            if kind not in BENEFIT_KINDS:
                raise ValidationFailed("choose a benefit", field="kind")
            async with db_session.begin_nested():
                await service.file_claim(
                    db_session, worker, kind, _day(form.get("starts_on", ""), "starts_on"),
                    pool_id=_uuid(form.get("pool_id", ""), "pool_id"),
                    evidence=form.get("evidence", ""), channel="web",
                )  # fmt: skip
        elif action == "back":
            await service.end_claim(
                db_session, worker, _day(form.get("back_on", ""), "back_on"),
                claim_id=_uuid(form.get("claim_id", ""), "claim_id"),
            )  # fmt: skip
        elif action in ("yes", "no"):
            await service.answer_claim(
                db_session, worker, _uuid(form.get("claim_id", ""), "claim_id"), action == "yes"
            )
        else:
            raise ValidationFailed("no such action", field="action")
        await db_session.commit()
    except MutuaError as error:
        await db_session.rollback()
        worker = await current_worker(request, db_session)
        return await _worker_page(
            request, db_session, worker, status_code=error.status,
            error=problem_text(error, page_language(request)),
        )  # fmt: skip
    return await _worker_page(
        request, db_session, worker, notice=Texts(page_language(request))("benefits.saved")
    )


async def _admin_page(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    pool_id: uuid.UUID,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    admin = await current_admin(request, session)
    pool = await administered_pool(session, viewer_of(admin), pool_id)
    claims = await repository.claims_of_pool(session, pool.id)
    return page(
        request, "admin/benefit_claims.html", status_code=status_code, pool=pool,
        claims=claims, **context,
    )  # fmt: skip


@get("/admin/pools/{pool_id:uuid}/benefit-claims")
async def claims_queue(
    request: Request[Any, Any, Any], pool_id: FromPath[uuid.UUID], db_session: DbSession
) -> Template:
    return await _admin_page(request, db_session, pool_id)


@post("/admin/pools/{pool_id:uuid}/benefit-claims/{claim_id:uuid}", status_code=200)
async def decide(
    request: Request[Any, Any, Any],
    pool_id: FromPath[uuid.UUID],
    claim_id: FromPath[uuid.UUID],
    db_session: DbSession,
) -> Template:
    admin = await current_admin(request, db_session)
    viewer = viewer_of(admin)
    await administered_pool(db_session, viewer, pool_id)
    form = await form_of(request)
    actor = Actor.administrator(admin.id, admin.email, client_of(request))
    try:
        await service.decide_claim(
            db_session, viewer, actor, pool_id, claim_id,
            approve=form.get("outcome") == "approved", note=form.get("note", "")[:500],
        )  # fmt: skip
        await db_session.commit()
    except MutuaError as error:
        await db_session.rollback()
        if error.status == 404:
            raise
        return await _admin_page(
            request, db_session, pool_id, status_code=error.status,
            error=problem_text(error, page_language(request)),
        )  # fmt: skip
    return await _admin_page(
        request, db_session, pool_id, notice=Texts(page_language(request))("benefits.saved")
    )


BENEFIT_HANDLERS = [benefits, act, claims_queue, decide]
