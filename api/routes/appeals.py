"""Appeals: a worker appeals a decision; the pool's administrators read the queue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from api.deps import CurrentAdmin, CurrentWorker, DbSession, provide_admin, provide_worker
from api.openapi import json_body
from api.paging import DEFAULT_LIMIT, Page, PageCursor, PageLimit, decode_cursor, page_of
from api.responses import (
    IDEMPOTENT,
    JSON_BODY,
    NOT_FOUND,
    PAGED,
    SIGNED_IN,
    IdempotencyKey,
    also,
    problems,
)
from api.schemas import Strict, text
from api.security import SECURED
from appeals import file_appeal, pool_appeals_page
from appeals.models import APPEAL_TEXT_MAX, Appeal
from pools.viewer import Viewer
from runs.errors import DecisionNotFound


class AppealIn(Strict):
    text: Annotated[str, text(0, APPEAL_TEXT_MAX)] = ""


class AppealOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    decision_id: uuid.UUID
    reference: str
    pool_id: uuid.UUID
    worker_id: uuid.UUID
    membership_id: uuid.UUID
    text: str
    channel: str
    status: str
    history: list[dict[str, str]]
    deadline_at: datetime
    created_at: datetime
    updated_at: datetime


def appeal_out(appeal: Appeal) -> AppealOut:
    return AppealOut(
        id=appeal.id,
        decision_id=appeal.decision_id,
        reference=appeal.reference,
        pool_id=appeal.pool_id,
        worker_id=appeal.worker_id,
        membership_id=appeal.membership_id,
        text=appeal.text,
        channel=appeal.channel,
        status=appeal.status,
        history=[{str(k): str(v) for k, v in entry.items()} for entry in appeal.history],
        deadline_at=appeal.deadline_at,
        created_at=appeal.created_at,
        updated_at=appeal.updated_at,
    )


class WorkerAppealController(Controller):
    path = "/v1/me/decisions"
    tags = ["me"]
    dependencies = {"worker": Provide(provide_worker)}
    security = SECURED

    @post(
        "/{decision_id:uuid}/appeal",
        summary="Appeal a decision",
        responses={
            **problems(SIGNED_IN, JSON_BODY, IDEMPOTENT, NOT_FOUND, DecisionNotFound),
            **also(HTTP_200_OK, AppealOut, "The decision was already appealed"),
        },
    )
    async def appeal(
        self,
        decision_id: FromPath[uuid.UUID],
        data: Annotated[AppealIn, json_body({"text": "My income was lower than you counted"})],
        worker: CurrentWorker,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[AppealOut]:
        """The same appeal an SMS `APPEAL` files: 201 when filed, 200 with the appeal already
        filed for this decision (one per decision). The co-op answers by `deadline_at`."""
        appeal, created = await file_appeal(db_session, worker, decision_id, data.text, "api")
        await db_session.commit()
        return Response(
            appeal_out(appeal), status_code=HTTP_201_CREATED if created else HTTP_200_OK
        )


class AdminAppealController(Controller):
    path = "/v1/admin/pools"
    tags = ["admin"]
    dependencies = {"admin": Provide(provide_admin)}
    security = SECURED

    @get(
        "/{pool_id:uuid}/appeals",
        summary="A pool's appeals, oldest first",
        responses=problems(SIGNED_IN, PAGED, NOT_FOUND),
    )
    async def appeals(
        self,
        pool_id: FromPath[uuid.UUID],
        admin: CurrentAdmin,
        db_session: DbSession,
        limit: PageLimit = DEFAULT_LIMIT,
        cursor: PageCursor = None,
    ) -> Page[AppealOut]:
        """The queue to answer, by SMS, USSD, API or web alike."""
        after = decode_cursor(cursor, "appeals", (uuid.UUID,))
        viewer = Viewer.of_admin(admin)
        rows = await pool_appeals_page(
            db_session, viewer, pool_id, after=after[0] if after else None, limit=limit + 1
        )
        return page_of(rows, limit, "appeals", lambda a: (str(a.id),), appeal_out)
