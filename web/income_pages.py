"""Reporting income on the web: a month's figure on one platform, or a CSV statement.

The same services and rules as `POST /v1/me/income` and `POST /v1/me/income/csv`: the
currency must be one of the worker's pools', a statement is taken whole or not at all, and a
refused statement is shown back line by line with the problem beside the line it is on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from actuarial.platforms import PLATFORMS
from core.errors import InvalidAmount, MutuaError
from core.money import parse_amount
from core.periods import Period
from income import service as income
from income.errors import CsvRejected
from pools import service
from web.forms import problem_text
from web.session import DbSession, current_worker
from web.view import Formats, Texts, page, page_language

MONTHS_SHOWN = 12
LINES_SHOWN = 500
"""Lines of a refused statement shown back; past this the page names the line only."""


@dataclass(frozen=True)
class ShownLine:
    number: int
    text: str
    problem: str | None


async def pool_currencies(db_session: AsyncSession, worker_id: uuid.UUID) -> list[str]:
    return sorted(
        {
            pool.currency
            for member, pool in await service.memberships(db_session, worker_id)
            if member.status != "left"
        }
    )


async def income_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    worker_id: uuid.UUID,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    this_month = Period.current()
    history = await income.months_page(
        db_session,
        worker_id,
        from_period=this_month.shift(-(MONTHS_SHOWN - 1)),
        to_period=this_month,
        after=None,
        limit=MONTHS_SHOWN,
    )
    currencies = await pool_currencies(db_session, worker_id)
    return page(
        request,
        "worker/income.html",
        status_code=status_code,
        platforms=PLATFORMS,
        currencies=currencies or ["USD"],
        default_month=str(this_month.shift(-1)),
        months=sorted(history.by_month, key=lambda m: m.period, reverse=True),
        by_platform=history.by_platform,
        **context,
    )


@get("/me/income")
async def income_form(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    worker_id = (await current_worker(request, db_session)).id
    return await income_page(request, db_session, worker_id)


@post("/me/income", status_code=200)
async def record_month(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    worker_id = (await current_worker(request, db_session)).id
    form = await request.form()
    fields = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    language = page_language(request)
    texts = Texts(language)
    try:
        currency = fields.get("currency", "")
        period = Period.parse(fields.get("month", ""))
        amount = parse_amount(fields.get("amount", ""), currency) if currency else None
        if amount is None:
            raise InvalidAmount("the currency is missing")
        result = await income.record_manual(
            db_session,
            worker_id,
            platform=fields.get("platform", ""),
            period=period,
            amount_minor=amount.amount_minor,
            currency=amount.currency,
            pool_currencies=await pool_currencies(db_session, worker_id),
        )
        await db_session.commit()
    except MutuaError as error:
        await db_session.rollback()
        return await income_page(
            request,
            db_session,
            worker_id,
            status_code=error.status,
            error=problem_text(error, language),
            entered=fields,
        )
    formats = Formats(language)
    notice = texts(
        "income.saved",
        amount=formats.money(result.record.amount_minor, result.record.currency),
        period=formats.period(result.record.period),
    )
    return await income_page(request, db_session, worker_id, notice=notice)


def csv_problem(error: CsvRejected, language: str) -> str:
    texts = Texts(language)
    try:
        return texts(f"csv.{error.reason}")
    except KeyError:
        return problem_text(error, language)


@post("/me/income/csv", status_code=200)
async def upload_statement(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    worker_id = (await current_worker(request, db_session)).id
    form = await request.form()
    upload = form.get("statement")
    raw_currency = form.get("currency")
    currency = raw_currency.strip() if isinstance(raw_currency, str) and raw_currency else None
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    language = page_language(request)
    try:
        result = await income.import_csv(
            db_session,
            worker_id,
            data,
            currency=currency,
            pool_currencies=await pool_currencies(db_session, worker_id),
        )
        await db_session.commit()
    except CsvRejected as error:
        await db_session.rollback()
        problem = csv_problem(error, language)
        text = data.decode("utf-8", errors="replace").splitlines()
        lines = [
            ShownLine(n, line, problem if n == error.line else None)
            for n, line in enumerate(text[:LINES_SHOWN], start=1)
        ]
        return await income_page(
            request,
            db_session,
            worker_id,
            status_code=error.status,
            error=problem if error.line is None else None,
            rejected_lines=lines,
            rejected_line=error.line,
        )
    except MutuaError as error:
        await db_session.rollback()
        return await income_page(
            request,
            db_session,
            worker_id,
            status_code=error.status,
            error=problem_text(error, language),
        )
    formats = Formats(language)
    notice = Texts(language)(
        "income.imported", added=formats.count(result.added), known=formats.count(result.duplicates)
    )
    return await income_page(request, db_session, worker_id, notice=notice)


INCOME_HANDLERS = [income_form, record_month, upload_statement]
