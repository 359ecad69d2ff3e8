"""Liveness and readiness, for load balancers and the monthly run's supervisor."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from sqlalchemy import text

from api.problems import problem
from api.responses import Answer, problems
from api.schemas import HealthOut


@get("/health", tags=["system"], summary="The process is up")
async def health() -> HealthOut:
    """Always 200 while the process runs."""
    return HealthOut(status="ok")


@get(
    "/ready",
    tags=["system"],
    summary="The database answers",
    responses={
        **problems(Answer(503, "not-ready", "The database is not reachable")),
        200: ResponseSpec(data_container=HealthOut, description="The database answers"),
    },
)
async def ready(
    state: State, request: Request[Any, Any, Any]
) -> Response[HealthOut] | Response[dict[str, object]]:
    """200 when the database answers, else 503 `not-ready`."""
    try:
        async with state.session_factory() as session:
            await session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not ready", never a 500
        return problem(503, "not-ready", "The database is not reachable", request=request)
    return Response(HealthOut(status="ready"))
