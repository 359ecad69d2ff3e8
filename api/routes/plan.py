"""The signed-in worker's plan and decisions, as the monthly run stored them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, Parameter

from api.deps import CurrentWorker, DbSession, provide_worker
from api.responses import NOT_FOUND, QUERY, SIGNED_IN, problems
from api.security import SECURED
from i18n import choose_language
from pools.models import Worker
from runs import service
from runs.errors import DecisionNotFound, NoPlanYet
from runs.schemas import DecisionOut, DecisionsOut, PlanOut


def worker_language(request: Request[Any, Any, Any], worker: Worker) -> str:
    return choose_language(
        chosen=worker.language,
        accept_language=request.headers.get("accept-language"),
        phone_e164=worker.phone_e164,
        pool_default=None,
    )


class PlanController(Controller):
    path = "/v1/me"
    tags = ["me"]
    dependencies = {"worker": Provide(provide_worker)}
    security = SECURED

    @get(
        "/plan",
        summary="This month's plan: forecast, target, contribution, payouts, why",
        responses=problems(SIGNED_IN, QUERY, NoPlanYet),
    )
    async def plan(
        self,
        request: Request[Any, Any, Any],
        worker: CurrentWorker,
        db_session: DbSession,
        pool_id: FromQuery[uuid.UUID | None] = None,
    ) -> PlanOut:
        """As the last monthly run made it, with each decision's `why` in the worker's
        language; 404 `no-plan-yet` before the worker's first run."""
        language = worker_language(request, worker)
        return await service.worker_plan(db_session, worker.id, pool_id, language)

    @get(
        "/decisions",
        summary="Every money decision about the worker, newest first",
        responses=problems(SIGNED_IN, QUERY),
    )
    async def decisions(
        self,
        request: Request[Any, Any, Any],
        worker: CurrentWorker,
        db_session: DbSession,
        cursor: Annotated[str | None, Parameter(max_length=100)] = None,
        limit: Annotated[int, Parameter(ge=1, le=service.PAGE_MAX)] = service.PAGE_DEFAULT,
    ) -> DecisionsOut:
        """Pages of `limit`; pass `next_cursor` back as `cursor` for the next page."""
        language = worker_language(request, worker)
        return await service.worker_decisions(db_session, worker.id, language, cursor, limit)

    @get(
        "/decisions/{decision_id:uuid}",
        summary="One decision with its inputs and factors",
        responses=problems(SIGNED_IN, NOT_FOUND, DecisionNotFound),
    )
    async def decision(
        self,
        request: Request[Any, Any, Any],
        decision_id: FromPath[uuid.UUID],
        worker: CurrentWorker,
        db_session: DbSession,
    ) -> DecisionOut:
        """With the inputs, factors and model behind it, to understand or appeal it."""
        language = worker_language(request, worker)
        return await service.worker_decision(db_session, worker.id, decision_id, language)
