"""Appeals on the web: a worker appeals a decision from its page; administrators read the
pool's queue with each decision's explanation and the factors behind it.

Filing is `appeals.service.file_appeal`, the one function SMS, USSD and the API call too:
one appeal per decision, the same reason limit and the same deadline. Deciding an appeal
(uphold, or change with a corrective decision) waits for its service in `appeals/`.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from appeals import file_appeal, pool_appeals_page
from core.errors import MutuaError
from pools import repository as pools_repository
from runs import repository as runs_repository
from runs.service import decision_out
from web.admin_pages import viewer_of
from web.data_pages import decisions_page
from web.forms import form_of, problem_text
from web.session import DbSession, current_admin, current_worker
from web.view import Formats, Texts, page, page_language

QUEUE_SHOWN = 100


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


@get("/admin/pools/{pool_id:uuid}/appeals")
async def queue(
    request: Request[Any, Any, Any], pool_id: FromPath[uuid.UUID], db_session: DbSession
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
            }
        )
    return page(request, "admin/appeals.html", pool=pool, rows=rows)


APPEAL_HANDLERS = [appeal, queue]
