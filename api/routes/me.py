"""The signed-in worker's own things: profile, memberships, accounts and ledger."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK

from api import examples
from api.deps import CurrentWorker, DbSession, provide_worker
from api.openapi import json_body
from api.paging import (
    DEFAULT_LIMIT,
    Page,
    PageCursor,
    PageLimit,
    aware_datetime,
    decode_cursor,
    page_of,
)
from api.responses import (
    IDEMPOTENT,
    JSON_BODY,
    NOT_FOUND,
    PAGED,
    SIGNED_IN,
    IdempotencyKey,
    problems,
)
from api.routes.pools import membership_out
from api.schemas import AccountOut, MembershipOut, MeOut, MeUpdate, TransferOut
from api.security import SECURED
from i18n import UnsupportedLanguage, choose_language
from pools import ledger_queries, service
from pools.errors import InvalidName, InvalidTimezone
from pools.leaving import leave_pool
from pools.ledger_models import LedgerAccount, LedgerTransfer
from pools.profile import update_profile

T = TypeVar("T")


def given(value: T | msgspec.UnsetType) -> T | None:
    """A field the client sent, or None for one it left out."""
    return None if isinstance(value, msgspec.UnsetType) else value


def account_out(account: LedgerAccount) -> AccountOut:
    return AccountOut(
        id=account.id,
        pool_id=account.pool_id,
        kind=account.kind,
        currency=account.currency,
        balance_minor=account.balance_minor,
    )


def transfer_out(transfer: LedgerTransfer) -> TransferOut:
    return TransferOut(
        id=transfer.id,
        debit_account_id=transfer.debit_account_id,
        credit_account_id=transfer.credit_account_id,
        amount_minor=transfer.amount_minor,
        currency=transfer.currency,
        reason=transfer.reason,
        period=transfer.period,
        reverses_id=transfer.reverses_id,
        created_at=transfer.created_at,
    )


def me_out(worker: CurrentWorker, accept_language: str | None) -> MeOut:
    return MeOut(
        id=worker.id,
        phone=worker.phone_e164,
        name=worker.name,
        language=choose_language(
            chosen=worker.language,
            accept_language=accept_language,
            phone_e164=worker.phone_e164,
            pool_default=None,
        ),
        language_chosen=worker.language is not None,
        timezone=worker.timezone,
        sms_opted_out=worker.sms_opted_out,
    )


class MeController(Controller):
    path = "/v1/me"
    tags = ["me"]
    dependencies = {"worker": Provide(provide_worker)}
    security = SECURED

    @get("/", summary="The signed-in worker", responses=problems(SIGNED_IN))
    async def me(self, request: Request[Any, Any, Any], worker: CurrentWorker) -> MeOut:
        """`language` is the one Mutua texts the worker in; `language_chosen` says whether
        they chose it (else it follows `Accept-Language`, then the phone's country)."""
        return me_out(worker, request.headers.get("accept-language"))

    @patch(
        "/",
        summary="Change name, language, time zone, or turn texts off and on",
        responses=problems(SIGNED_IN, JSON_BODY, InvalidName, InvalidTimezone, UnsupportedLanguage),
    )
    async def update_me(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[MeUpdate, json_body(examples.ME_UPDATE)],
        worker: CurrentWorker,
        db_session: DbSession,
    ) -> MeOut:
        """Send only the fields to change; all of them apply or none. A new language is
        confirmed by a text in it. `sms_opted_out: true` is STOP: no more texts, sign-in
        codes included, until `false` (or START by SMS), which a text confirms."""
        await update_profile(
            db_session,
            worker,
            name=given(data.name),
            language=given(data.language),
            timezone=given(data.timezone),
            sms_opted_out=given(data.sms_opted_out),
        )
        await db_session.commit()
        return me_out(worker, request.headers.get("accept-language"))

    @get(
        "/memberships",
        summary="Pools the worker belongs or belonged to",
        responses=problems(SIGNED_IN, PAGED),
    )
    async def memberships(
        self,
        worker: CurrentWorker,
        db_session: DbSession,
        limit: PageLimit = DEFAULT_LIMIT,
        cursor: PageCursor = None,
    ) -> Page[MembershipOut]:
        """Left memberships stay listed, with `left_on`."""
        after = decode_cursor(cursor, "memberships", (uuid.UUID,))
        rows = await service.memberships_page(
            db_session, worker.id, after=after[0] if after else None, limit=limit + 1
        )
        return page_of(
            rows,
            limit,
            "memberships",
            lambda row: (str(row[0].id),),
            lambda row: membership_out(*row),
        )

    @post(
        "/memberships/{membership_id:uuid}/leave",
        status_code=HTTP_200_OK,
        summary="Leave a pool",
        responses=problems(SIGNED_IN, IDEMPOTENT, NOT_FOUND),
    )
    async def leave(
        self,
        membership_id: FromPath[uuid.UUID],
        worker: CurrentWorker,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> MembershipOut:
        """End a membership; leaving again is harmless.

        Savings stay the worker's: leaving moves no money, and the savings account keeps its
        balance (see `GET /v1/me/accounts`), withdrawable as before. Contributions owed for
        months of membership stay owed; nothing is charged or paid for the month of leaving
        or later. Joining again with the pool's code makes an active member again. The
        worker is told by SMS.
        """
        member, pool = await leave_pool(db_session, worker, membership_id)
        await db_session.commit()
        return membership_out(member, pool)

    @get(
        "/accounts",
        summary="The worker's accounts in every pool, with their balances",
        responses=problems(SIGNED_IN, PAGED),
    )
    async def accounts(
        self,
        worker: CurrentWorker,
        db_session: DbSession,
        limit: PageLimit = DEFAULT_LIMIT,
        cursor: PageCursor = None,
    ) -> Page[AccountOut]:
        """Balances in minor units of each account's currency."""
        after = decode_cursor(cursor, "accounts", (uuid.UUID,))
        rows = await ledger_queries.accounts_page(
            db_session, worker.id, after[0] if after else None, limit + 1
        )
        return page_of(rows, limit, "accounts", lambda account: (str(account.id),), account_out)

    @get(
        "/ledger",
        summary="Transfers into and out of the worker's accounts, newest first",
        responses=problems(SIGNED_IN, PAGED),
    )
    async def ledger(
        self,
        worker: CurrentWorker,
        db_session: DbSession,
        limit: PageLimit = DEFAULT_LIMIT,
        cursor: PageCursor = None,
    ) -> Page[TransferOut]:
        """`GET /v1/me/export` has them all at once."""
        before = decode_cursor(cursor, "ledger", (aware_datetime, uuid.UUID))
        rows = await ledger_queries.transfers_page(
            db_session, worker.id, (before[0], before[1]) if before else None, limit + 1
        )
        return page_of(
            rows,
            limit,
            "ledger",
            lambda transfer: (transfer.created_at.isoformat(), str(transfer.id)),
            transfer_out,
        )
