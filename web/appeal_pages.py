"""Appeals on the web: a worker appeals a decision from its page; administrators read the
pool's queue with each decision's explanation and the factors behind it.

Filing is `appeals.service.file_appeal`, the one function SMS, USSD and the API call too:
one appeal per decision, the same reason limit and the same deadline. Deciding is
`appeals.review.decide_appeal`, as `POST /v1/admin/pools/{id}/appeals/{id}/decision`:
upheld with a reason code the member is texted, or changed to a new amount, which reverses
the decision's transfers and posts the corrected one; audited either way.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.client_address import client_of
from appeals import file_appeal, pool_appeals_page
from appeals.review import CHANGEABLE, decide_appeal
from audit import Actor
from core.errors import MutuaError
from core.money import parse_amount
from i18n.registry import CHOICES
from i18n.render import translate
from pools import repository as pools_repository
from pools import service
from runs import repository as runs_repository
from runs.service import decision_out
from web.admin_pages import viewer_of
from web.data_pages import decisions_page
from web.forms import form_of, problem_text
from web.session import DbSession, current_admin, current_worker
from web.view import Formats, Texts, page, page_language

QUEUE_SHOWN = 100
UPHELD = CHOICES["appeal.reason"]


@post("/me/decisions/{decision_id:uuid}/appeal", status_code=200)
async def appeal(
    request: Request[Any, Any, Any], decision_id: FromPath[uuid.UUID], db_session: DbSession
) -> Template:
    worker = await current_worker(request, db_session)
    worker_id = worker.id
    form = await form_of(request)
    language = page_language(request)
    try:
        filed, _ = await file_appeal(db_session, worker, decision_id, form.get("text", ""), "web")
        reference, deadline = filed.reference, filed.deadline_at
        await db_session.commit()
    except MutuaError as error:
        await db_session.rollback()
        return await decisions_page(
            request, db_session, worker_id, None, status_code=error.status,
            error=problem_text(error, language),
        )  # fmt: skip
    notice = Texts(language)(
        "appeal.sent", reference=reference, day=Formats(language).day(deadline.date())
    )
    return await decisions_page(request, db_session, worker_id, None, notice=notice)


async def queue_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    pool_id: uuid.UUID,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    admin = await current_admin(request, db_session)
    language = page_language(request)
    appeals = await pool_appeals_page(
        db_session, viewer_of(admin), pool_id, after=None, limit=QUEUE_SHOWN
    )
    pool = await pools_repository.pool_by_id(db_session, pool_id)
    rows = []
    for item in appeals:
        if item.status != "open":
            continue
        decision = await runs_repository.decision_of(db_session, item.worker_id, item.decision_id)
        worker = await pools_repository.worker_by_id(db_session, item.worker_id)
        if decision is None or worker is None:
            continue
        rows.append(
            {
                "appeal": item,
                "worker": worker,
                "decision": decision_out(decision, language, full=True),
                "changeable": decision.kind in CHANGEABLE,
            }
        )
    reasons = [(code, translate(message, language)) for code, message in UPHELD.items()]
    return page(
        request,
        "admin/appeals.html",
        status_code=status_code,
        pool=pool,
        rows=rows,
        reasons=reasons,
        **context,
    )


@get("/admin/pools/{pool_id:uuid}/appeals")
async def queue(
    request: Request[Any, Any, Any], pool_id: FromPath[uuid.UUID], db_session: DbSession
) -> Template:
    return await queue_page(request, db_session, pool_id)


@post("/admin/pools/{pool_id:uuid}/appeals/{appeal_id:uuid}", status_code=200)
async def decide(
    request: Request[Any, Any, Any],
    pool_id: FromPath[uuid.UUID],
    appeal_id: FromPath[uuid.UUID],
    db_session: DbSession,
) -> Template:
    admin = await current_admin(request, db_session)
    pool = await service.administered_pool(db_session, viewer_of(admin), pool_id)
    currency = pool.currency
    form = await form_of(request)
    language = page_language(request)
    actor = Actor.administrator(admin.id, admin.email, client_of(request))
    try:
        if form.get("outcome") == "changed":
            amount = parse_amount(form.get("amount", ""), currency)
            review = await decide_appeal(
                db_session, viewer_of(admin), actor, pool_id, appeal_id, outcome="changed",
                amount_minor=amount.amount_minor, note=form.get("note", ""),
            )  # fmt: skip
        else:  # the service checks the appeal, then that a reason code says why it stands
            review = await decide_appeal(
                db_session, viewer_of(admin), actor, pool_id, appeal_id, outcome="upheld",
                reason=form.get("reason"), note=form.get("note", ""),
            )  # fmt: skip
        reference = review.appeal.reference
        await db_session.commit()
    except MutuaError as error:
        await db_session.rollback()
        return await queue_page(
            request, db_session, pool_id, status_code=error.status,
            error=problem_text(error, language),
        )  # fmt: skip
    notice = Texts(language)("appeals.decided", reference=reference)
    return await queue_page(request, db_session, pool_id, notice=notice)


APPEAL_HANDLERS = [appeal, queue, decide]
