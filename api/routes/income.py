"""A worker's income: monthly entries, CSV statements, and the history by month."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import CurrentWorker, DbSession, provide_worker
from api.paging import (
    DEFAULT_LIMIT,
    Page,
    PageCursor,
    PageLimit,
    decode_cursor,
    encode_cursor,
    page_of,
)
from api.responses import (
    IDEMPOTENT,
    JSON_BODY,
    PAGED,
    QUERY,
    SIGNED_IN,
    IdempotencyKey,
    also,
    answer,
    problems,
)
from api.schemas import NO_CONTROLS, CsvImportOut, IncomeIn, IncomeRecordOut, MonthTotalOut
from api.security import SECURED
from core.errors import InvalidAmount, InvalidPeriod, UnknownCurrency, ValidationFailed
from core.money import normalize_currency
from core.periods import Period
from income import service as income
from income.errors import CsvRejected, InvalidPeriodRange, UnknownPlatform
from income.models import IncomeRecord
from pools import service as pools

CSV_MEDIA_TYPES = ("text/csv", "application/csv", "text/plain", "application/octet-stream")


def _month_text(text: str) -> str:
    return str(Period.parse(text))


def record_out(record: IncomeRecord) -> IncomeRecordOut:
    return IncomeRecordOut(
        id=record.id,
        platform=record.platform,
        month=record.period,
        earned_on=record.earned_on,
        amount_minor=record.amount_minor,
        currency=record.currency,
        source=record.kind,
    )


async def default_currency(session: AsyncSession, worker: CurrentWorker) -> str:
    """The currency of the worker's first active pool: a statement has no currency column."""
    for member, pool in await pools.memberships(session, worker.id):
        if member.status == "active":
            return pool.currency
    raise ValidationFailed(
        "give ?currency=XXX: you are not in a pool whose currency could be assumed",
        field="currency",
    )


Month = Annotated[str | None, QueryParameter(name="from", max_length=7, pattern=NO_CONTROLS)]
UntilMonth = Annotated[str | None, QueryParameter(name="to", max_length=7, pattern=NO_CONTROLS)]
MONTH_RANGE = (answer(InvalidPeriod), answer(InvalidPeriodRange))


class IncomeController(Controller):
    path = "/v1/me/income"
    tags = ["income"]
    dependencies = {"worker": Provide(provide_worker)}
    security = SECURED

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Record a month's income on one platform (again to correct it)",
        responses={
            **problems(
                SIGNED_IN,
                JSON_BODY,
                IDEMPOTENT,
                UnknownCurrency,
                UnknownPlatform,
                InvalidPeriod,
                InvalidAmount,
            ),
            **also(HTTP_200_OK, IncomeRecordOut, "The month was recorded before: corrected"),
        },
    )
    async def record(
        self,
        data: JSONBody[IncomeIn],
        worker: CurrentWorker,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[IncomeRecordOut]:
        result = await income.record_manual(
            db_session,
            worker.id,
            platform=data.platform,
            period=Period.parse(data.month),
            amount_minor=data.amount_minor,
            currency=normalize_currency(data.currency),
        )
        await db_session.commit()
        return Response(
            record_out(result.record),
            status_code=HTTP_201_CREATED if result.created else HTTP_200_OK,
        )

    @post(
        "/csv",
        status_code=HTTP_201_CREATED,
        summary="Import a CSV statement (date,platform,amount); a bad row rejects the file",
        responses=problems(SIGNED_IN, QUERY, IDEMPOTENT, CsvRejected, UnknownCurrency),
    )
    async def import_csv(
        self,
        request: Request[Any, Any, Any],
        worker: CurrentWorker,
        db_session: DbSession,
        currency: Annotated[
            str | None, QueryParameter(name="currency", max_length=3, pattern=NO_CONTROLS)
        ] = None,
        idempotency_key: IdempotencyKey = None,
    ) -> CsvImportOut:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type and media_type not in CSV_MEDIA_TYPES:
            raise ValidationFailed(
                "send the statement as the request body with Content-Type text/csv",
                field="content-type",
            )
        body = await request.body()
        code = (
            normalize_currency(currency) if currency else await default_currency(db_session, worker)
        )
        result = await income.import_csv(db_session, worker.id, body, currency=code)
        await db_session.commit()
        return CsvImportOut(
            rows=result.rows,
            added=result.added,
            duplicates=result.duplicates,
            months=result.periods,
        )

    @get(
        "/",
        summary="The worker's income records, by month, optionally within a range",
        responses=problems(SIGNED_IN, PAGED, MONTH_RANGE),
    )
    async def history(
        self,
        worker: CurrentWorker,
        db_session: DbSession,
        from_month: Month = None,
        to_month: UntilMonth = None,
        limit: PageLimit = DEFAULT_LIMIT,
        cursor: PageCursor = None,
    ) -> Page[IncomeRecordOut]:
        after = decode_cursor(cursor, "income", (_month_text, uuid.UUID))
        rows = await income.records_page(
            db_session,
            worker.id,
            from_period=Period.parse(from_month) if from_month else None,
            to_period=Period.parse(to_month) if to_month else None,
            after=(after[0], after[1]) if after else None,
            limit=limit + 1,
        )
        return page_of(rows, limit, "income", lambda r: (r.period, str(r.id)), record_out)

    @get(
        "/months",
        summary="The worker's income totals by month, optionally within a range",
        responses=problems(SIGNED_IN, PAGED, MONTH_RANGE),
    )
    async def months(
        self,
        worker: CurrentWorker,
        db_session: DbSession,
        from_month: Month = None,
        to_month: UntilMonth = None,
        limit: PageLimit = DEFAULT_LIMIT,
        cursor: PageCursor = None,
    ) -> Page[MonthTotalOut]:
        """Each month in each currency the worker earned in, with its figure per platform (a
        month's manual entry for a platform stands for it; imported lines add up otherwise).
        A page holds `limit` whole months."""
        after = decode_cursor(cursor, "income-months", (_month_text,))
        found = await income.months_page(
            db_session,
            worker.id,
            from_period=Period.parse(from_month) if from_month else None,
            to_period=Period.parse(to_month) if to_month else None,
            after=after[0] if after else None,
            limit=limit,
        )
        by_platform: dict[tuple[str, str], dict[str, int]] = {}
        for figure in found.by_platform:
            by_platform.setdefault((figure.period, figure.currency), {})[figure.platform] = (
                figure.amount_minor
            )
        items = [
            MonthTotalOut(
                month=total.period,
                currency=total.currency,
                total_minor=total.amount_minor,
                by_platform=by_platform.get((total.period, total.currency), {}),
            )
            for total in found.by_month
        ]
        last = found.periods[-1] if found.more and found.periods else None
        return Page(
            items=items,
            next_cursor=encode_cursor("income-months", [last]) if last else None,
        )
