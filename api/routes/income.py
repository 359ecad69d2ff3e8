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
from api.schemas import (
    CsvImportOut,
    IncomeIn,
    IncomeOut,
    IncomeRecordOut,
    IncomeUpdate,
    MonthTotalOut,
)
from core.errors import InvalidPeriod, ValidationFailed
from core.periods import Period
from income import service as income
from income.models import IncomeRecord
from pools import service as pools

CSV_MEDIA_TYPES = ("text/csv", "application/csv", "text/plain", "application/octet-stream")


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

    @post(
        "/",
        summary="Record a month's income on one platform (again to correct it)",
        operation_class=documented(idempotent=True),
    )
    async def record(
        self,
        data: Annotated[IncomeIn, json_body(examples.INCOME)],
        worker: CurrentWorker,
        db_session: DbSession,
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

    @patch("/{record_id:uuid}", summary="Correct a monthly entry the worker made")
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
        operation_class=documented(idempotent=True, csv_example=examples.CSV_STATEMENT),
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
                description="The statement's currency; needed when the worker's pools use "
                "more than one (422 `currency-required`).",
            ),
        ] = None,
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

    @get("/", summary="Income by month, optionally within a range of months")
    async def history(
        self,
        worker: CurrentWorker,
        db_session: DbSession,
        from_month: Annotated[
            str | None,
            QueryParameter(name="from", max_length=7, description="First month, YYYY-MM"),
        ] = None,
        to_month: Annotated[
            str | None, QueryParameter(name="to", max_length=7, description="Last month, YYYY-MM")
        ] = None,
    ) -> IncomeOut:
        """Every record, and each month's total per currency and platform: a month the worker
        entered stands for the lines imported for it."""
        summary = await income.list_income(
            db_session,
            worker.id,
            from_period=month_parameter("from", from_month),
            to_period=month_parameter("to", to_month),
        )
        by_platform: dict[tuple[str, str], dict[str, int]] = {}
        for figure in summary.by_platform:
            by_platform.setdefault((figure.period, figure.currency), {})[figure.platform] = (
                figure.amount_minor
            )
        return IncomeOut(
            records=[record_out(record) for record in summary.records],
            months=[
                MonthTotalOut(
                    month=total.period,
                    currency=total.currency,
                    total_minor=total.amount_minor,
                    by_platform=by_platform.get((total.period, total.currency), {}),
                )
                for total in summary.by_month
            ],
        )
