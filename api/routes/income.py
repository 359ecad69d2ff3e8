"""A worker's income: monthly entries, CSV statements, and the history by month."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from api import examples
from api.deps import CurrentWorker, DbSession, provide_worker
from api.openapi import documented, json_body
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
    NOT_FOUND,
    PAGED,
    QUERY,
    SIGNED_IN,
    IdempotencyKey,
    also,
    answer,
    problems,
)
from api.schemas import (
    NO_CONTROLS,
    CsvImportOut,
    IncomeIn,
    IncomeRecordOut,
    IncomeUpdate,
    MonthTotalOut,
)
from api.security import SECURED
from core.errors import InvalidAmount, InvalidPeriod, UnknownCurrency, ValidationFailed
from core.periods import Period
from income import service as income
from income.errors import (
    CsvRejected,
    CurrencyNotInPools,
    CurrencyRequired,
    IncomeRecordNotEditable,
    InvalidPeriodRange,
    UnknownPlatform,
)
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


async def pool_currencies(session: AsyncSession, worker: CurrentWorker) -> frozenset[str]:
    """Currencies of the pools the worker belongs to: the ones their income may be in."""
    return frozenset(
        pool.currency
        for member, pool in await pools.memberships(session, worker.id)
        if member.status != "left"
    )


Month = Annotated[
    str | None,
    QueryParameter(
        name="from", max_length=7, pattern=NO_CONTROLS, description="First month, YYYY-MM"
    ),
]
UntilMonth = Annotated[
    str | None,
    QueryParameter(name="to", max_length=7, pattern=NO_CONTROLS, description="Last month, YYYY-MM"),
]
MONTH_RANGE = (answer(InvalidPeriod), answer(InvalidPeriodRange))


def month_parameter(name: str, value: str | None) -> Period | None:
    """A `YYYY-MM` query parameter, or a problem that names it as the client sent it."""
    if not value:
        return None
    try:
        return Period.parse(value)
    except InvalidPeriod as exc:
        raise InvalidPeriod(f"?{name}=: {exc.detail}", field=name) from None


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
                CurrencyNotInPools,
                UnknownPlatform,
                InvalidPeriod,
                InvalidAmount,
            ),
            **also(HTTP_200_OK, IncomeRecordOut, "The month was recorded before: corrected"),
        },
    )
    async def record(
        self,
        data: Annotated[IncomeIn, json_body(examples.INCOME)],
        worker: CurrentWorker,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[IncomeRecordOut]:
        """The month's total on the platform, in minor units (201; 200 when it replaced an
        earlier figure for the month). The currency is one of the worker's pools' (422
        `currency-not-in-pools`); a month above about $100,000 is refused as a slip."""
        result = await income.record_manual(
            db_session,
            worker.id,
            platform=data.platform,
            period=Period.parse(data.month),
            amount_minor=data.amount_minor,
            currency=data.currency,
            pool_currencies=await pool_currencies(db_session, worker),
        )
        await db_session.commit()
        return Response(
            record_out(result.record),
            status_code=HTTP_201_CREATED if result.created else HTTP_200_OK,
        )

    @patch(
        "/{record_id:uuid}",
        summary="Correct a monthly entry the worker made",
        responses=problems(
            SIGNED_IN,
            JSON_BODY,
            NOT_FOUND,
            IncomeRecordNotEditable,
            UnknownCurrency,
            CurrencyNotInPools,
            InvalidAmount,
        ),
    )
    async def correct(
        self,
        record_id: FromPath[uuid.UUID],
        data: Annotated[IncomeUpdate, json_body(examples.INCOME_UPDATE)],
        worker: CurrentWorker,
        db_session: DbSession,
    ) -> IncomeRecordOut:
        """Change the amount (and, if given, the currency) of a month the worker entered.

        Only entries made with `POST /v1/me/income` can be changed or deleted (409
        `income-record-not-editable` for imported lines: enter the month's total instead,
        which then stands for them). A correction follows the rules of a new entry.
        """
        record = await income.correct_manual(
            db_session,
            worker.id,
            record_id,
            amount_minor=data.amount_minor,
            currency=None if isinstance(data.currency, msgspec.UnsetType) else data.currency,
            pool_currencies=await pool_currencies(db_session, worker),
        )
        await db_session.commit()
        return record_out(record)

    @delete(
        "/{record_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a monthly entry the worker made",
        responses=problems(SIGNED_IN, NOT_FOUND, IncomeRecordNotEditable),
    )
    async def remove(
        self, record_id: FromPath[uuid.UUID], worker: CurrentWorker, db_session: DbSession
    ) -> None:
        """The month then rests on the lines imported for it, if any."""
        await income.delete_manual(db_session, worker.id, record_id)
        await db_session.commit()

    @post(
        "/csv",
        status_code=HTTP_201_CREATED,
        summary="Import a CSV statement (date,platform,amount); a bad row rejects the file",
        responses=problems(
            SIGNED_IN,
            QUERY,
            IDEMPOTENT,
            CsvRejected,
            UnknownCurrency,
            CurrencyNotInPools,
            CurrencyRequired,
        ),
        operation_class=documented(csv_example=examples.CSV_STATEMENT),
    )
    async def import_csv(
        self,
        request: Request[Any, Any, Any],
        worker: CurrentWorker,
        db_session: DbSession,
        currency: Annotated[
            str | None,
            QueryParameter(
                name="currency",
                max_length=3,
                pattern=NO_CONTROLS,
                description="The statement's currency; needed when the worker's pools use "
                "more than one (422 `currency-required`).",
            ),
        ] = None,
        idempotency_key: IdempotencyKey = None,
    ) -> CsvImportOut:
        """Send the file as the body with `Content-Type: text/csv`. Amounts are in currency
        units (`123.45`). The first bad line rejects the whole file (422 `invalid-csv` with
        `line`, `reason` and `column`); importing the same lines again adds nothing."""
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type and media_type not in CSV_MEDIA_TYPES:
            raise ValidationFailed(
                "send the statement as the request body with Content-Type text/csv",
                field="content-type",
            )
        body = await request.body()
        result = await income.import_csv(
            db_session,
            worker.id,
            body,
            currency=currency,
            pool_currencies=await pool_currencies(db_session, worker),
        )
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
        """Every record, entered or imported, in the order recorded; `GET .../months` has
        each month's total per currency and platform, where an entered month stands for the
        lines imported for it."""
        after = decode_cursor(cursor, "income", (_month_text, uuid.UUID))
        rows = await income.records_page(
            db_session,
            worker.id,
            from_period=month_parameter("from", from_month),
            to_period=month_parameter("to", to_month),
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
            from_period=month_parameter("from", from_month),
            to_period=month_parameter("to", to_month),
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
