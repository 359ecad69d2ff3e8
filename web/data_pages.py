"""The worker's decisions with their explanations (and their appeals), and "My data" as
JSON or CSV.

Decisions are `runs.service.worker_decisions` (as `GET /v1/me/decisions`), each with its
`why` in the page's language. The data download is the API's export document
(`api.routes.export.export_document`); the CSV holds the same facts, one per line, as
`section,record,field,value`, so a spreadsheet opens it without knowing its shape.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.routes.export import export_document
from appeals import repository as appeals_repository
from appeals.models import Appeal
from runs import service as runs_service
from web.session import DbSession, current_worker
from web.view import page, page_language

DECISIONS_PER_PAGE = 20


async def appeals_by_decision(
    db_session: AsyncSession, decision_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Appeal]:
    """The appeal filed against each decision that has one."""
    found = {}
    for decision_id in decision_ids:
        filed = await appeals_repository.appeal_for_decision(db_session, decision_id)
        if filed is not None:
            found[decision_id] = filed
    return found


async def decisions_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    worker_id: uuid.UUID,
    cursor: str | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    found = await runs_service.worker_decisions(
        db_session, worker_id, page_language(request), cursor, DECISIONS_PER_PAGE
    )
    return page(
        request,
        "worker/decisions.html",
        status_code=status_code,
        decisions=found.items,
        next_cursor=found.next_cursor,
        appeals=await appeals_by_decision(db_session, [d.id for d in found.items]),
        **context,
    )


@get("/me/decisions")
async def decisions(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    cursor: Annotated[str | None, Parameter(max_length=100)] = None,
) -> Template:
    worker = await current_worker(request, db_session)
    return await decisions_page(request, db_session, worker.id, cursor)


@get("/me/data")
async def data_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    await current_worker(request, db_session)
    return page(request, "worker/data.html")


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@get("/me/data.json")
async def data_json(request: Request[Any, Any, Any], db_session: DbSession) -> Response[bytes]:
    worker = await current_worker(request, db_session)
    document = await export_document(db_session, worker)
    day = document.exported_at.date().isoformat()
    return Response(
        msgspec.json.encode(document),
        media_type="application/json",
        headers=_attachment(f"mutua-data-{day}.json"),
    )


def flatten(value: Any, section: str, record: str = "", field: str = "") -> Iterator[list[str]]:
    """(section, record, field, value) for every leaf of the export document."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from flatten(inner, section, record, f"{field}.{key}" if field else str(key))
    elif isinstance(value, list):
        if not field and value and isinstance(value[0], dict):
            for index, item in enumerate(value):
                yield from flatten(item, section, str(item.get("id", index)))
        else:
            for index, item in enumerate(value):
                yield from flatten(item, section, record, f"{field}[{index}]")
    else:
        yield [section, record, field, "" if value is None else str(value)]


@get("/me/data.csv")
async def data_csv(request: Request[Any, Any, Any], db_session: DbSession) -> Response[bytes]:
    worker = await current_worker(request, db_session)
    document = await export_document(db_session, worker)
    as_dict = msgspec.to_builtins(document)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "record", "field", "value"])
    for section in ("worker", "memberships", "income", "decisions", "messages"):
        writer.writerows(flatten(as_dict[section], section))
    for part in ("accounts", "transfers"):
        writer.writerows(flatten(as_dict["ledger"][part], f"ledger.{part}"))
    day = document.exported_at.date().isoformat()
    return Response(
        out.getvalue().encode(),
        media_type="text/csv; charset=utf-8",
        headers=_attachment(f"mutua-data-{day}.csv"),
    )


DATA_HANDLERS = [decisions, data_page, data_json, data_csv]
