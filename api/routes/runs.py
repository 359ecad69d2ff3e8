"""The monthly run for administrators: start one, follow it, and read the pool's health."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.status_codes import HTTP_202_ACCEPTED

from api import examples
from api.client_address import client_of
from api.deps import CurrentAdmin, DbSession, provide_admin
from api.openapi import json_body
from api.responses import IDEMPOTENT, JSON_BODY, NOT_FOUND, SIGNED_IN, IdempotencyKey, problems
from api.run_tasks import start_run_in_background
from api.security import SECURED
from appeals import review as appeal_review
from audit import Actor
from core.clock import utcnow
from core.errors import InvalidPeriod
from core.periods import Period
from pools import service
from pools.models import Pool
from pools.viewer import Viewer
from runs import service as runs_service
from runs.errors import EarlierRunUnfinished, PeriodNotClosed, RunInProgress, RunNotFound
from runs.schemas import HealthOut, RunIn, RunOut, RunsOut


async def _pool(db_session: DbSession, admin: CurrentAdmin, pool_id: uuid.UUID) -> Pool:
    viewer = Viewer.of_admin(admin)
    return await service.administered_pool(db_session, viewer, pool_id)


class RunController(Controller):
    path = "/v1/admin/pools/{pool_id:uuid}"
    tags = ["runs"]
    dependencies = {"admin": Provide(provide_admin)}
    security = SECURED

    @post(
        "/runs",
        status_code=HTTP_202_ACCEPTED,
        summary="Run (or resume) a month for the pool",
        description=(
            "Starts the month's run in the background and answers at once with the run; "
            "follow it at `GET .../runs/{run_id}`. A month already run is not run again "
            "(the finished run is returned). Takes an `Idempotency-Key`."
        ),
        responses=problems(
            SIGNED_IN,
            JSON_BODY,
            IDEMPOTENT,
            NOT_FOUND,
            InvalidPeriod,
            PeriodNotClosed,
            RunInProgress,
            EarlierRunUnfinished,
        ),
    )
    async def start_run(
        self,
        request: Request[Any, Any, Any],
        pool_id: FromPath[uuid.UUID],
        data: Annotated[RunIn, json_body(examples.RUN)],
        admin: CurrentAdmin,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> RunOut:
        pool = await _pool(db_session, admin, pool_id)
        period = Period.parse(data.period)
        target = pool.id
        actor = Actor.administrator(admin.id, admin.email, client_of(request))
        await db_session.rollback()  # the runner uses sessions of its own (SQLite: one writer)
        run = await start_run_in_background(request.app, target, period, actor)
        return runs_service.run_out(run)

    @get(
        "/runs",
        summary="The pool's monthly runs, newest first",
        responses=problems(SIGNED_IN, NOT_FOUND),
    )
    async def list_runs(
        self, pool_id: FromPath[uuid.UUID], admin: CurrentAdmin, db_session: DbSession
    ) -> RunsOut:
        """Each with its status, step and totals."""
        return await runs_service.pool_runs(db_session, await _pool(db_session, admin, pool_id))

    @get(
        "/runs/{run_id:uuid}",
        summary="One run: status, step, progress, counts, totals",
        responses=problems(SIGNED_IN, NOT_FOUND, RunNotFound),
    )
    async def get_run(
        self,
        pool_id: FromPath[uuid.UUID],
        run_id: FromPath[uuid.UUID],
        admin: CurrentAdmin,
        db_session: DbSession,
    ) -> RunOut:
        """What `POST .../runs` started, as it stands now."""
        pool = await _pool(db_session, admin, pool_id)
        return await runs_service.pool_run(db_session, pool, run_id)

    @get(
        "/health",
        summary="The pool's health at a glance, from its last run",
        responses=problems(SIGNED_IN, NOT_FOUND),
    )
    async def health(
        self, pool_id: FromPath[uuid.UUID], admin: CurrentAdmin, db_session: DbSession
    ) -> HealthOut:
        """Reserve, ruin probability, solved rate, fan chart, flows and arrears."""
        pool = await _pool(db_session, admin, pool_id)
        return await appeal_review.pool_health(db_session, pool, utcnow())
