"""A worker's bank links (Plaid) and Plaid's webhook.

The worker routes call `banks.service`; the webhook only verifies, records and queues, and
the sync runs after the response is sent (and again from the scheduler and the monthly run
if this process dies first: the queue is a column, not memory).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, delete, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from api.deps import CurrentWorker, DbSession, provide_worker
from api.openapi import json_body
from api.paging import Page, PageCursor, PageLimit, decode_cursor, page_of
from api.responses import (
    IDEMPOTENT,
    JSON_BODY,
    NOT_FOUND,
    PAGED,
    SIGNED_IN,
    IdempotencyKey,
    problems,
)
from api.routes.plan import worker_language
from api.security import SECURED
from banks import service
from banks.errors import (
    BankItemNotFound,
    BankLinkOff,
    BankLinkRefused,
    BankUnreachable,
    DepositAlreadyDecided,
    DepositNotFound,
    WebhookRejected,
)
from banks.models import BankDeposit
from banks.schemas import (
    BankAccountOut,
    BankItemOut,
    DepositDecisionIn,
    DepositDecisionOut,
    DepositOut,
    LinkTokenIn,
    LinkTokenOut,
    PublicTokenIn,
    WebhookOut,
)
from banks.sync import sync_requested
from income.errors import UnknownPlatform
from income.platforms import parse_platform

LINK_TOKEN_EXAMPLE: dict[str, Any] = {}
PUBLIC_TOKEN_EXAMPLE = {"public_token": "public-sandbox-5c224a01-8314-4491-a06f-39e193d5cddc"}
DECISION_EXAMPLE = {"is_income": True, "platform": "taskrabbit"}
Classification = Literal["platform", "transfer", "not_income", "unreviewed"]
Link = NamedDependency[service.BankLink]


def provide_bank_link(state: State) -> service.BankLink:
    link: service.BankLink = state.bank_link
    return link


def _item_out(view: service.ItemView) -> BankItemOut:
    return BankItemOut(
        id=view.id, institution=view.institution, status=view.status,
        status_text=view.status_text, action=view.action,
        accounts=[BankAccountOut(**a) for a in view.accounts],
        last_synced_at=view.last_synced_at, created_at=view.created_at,
    )  # fmt: skip


def _deposit_out(deposit: BankDeposit) -> DepositOut:
    return DepositOut(**service.deposit_view(deposit))


async def _drain(state: State) -> None:
    link: service.BankLink = state.bank_link
    if link.gateway is not None and link.sealer is not None:
        await sync_requested(state.session_factory, link.gateway, link.sealer)


class BankController(Controller):
    path = "/v1/me/plaid"
    tags = ["bank"]
    dependencies = {
        "worker": Provide(provide_worker),
        "link": Provide(provide_bank_link, sync_to_thread=False),
    }
    security = SECURED

    @post(
        "/link-token",
        summary="A Plaid Link token to link a bank, or to sign in to one again",
        status_code=HTTP_200_OK,
        responses=problems(
            SIGNED_IN,
            IDEMPOTENT,
            JSON_BODY,
            BankLinkOff,
            BankUnreachable,
            BankLinkRefused,
            BankItemNotFound,
        ),
    )
    async def link_token(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[LinkTokenIn, json_body(LINK_TOKEN_EXAMPLE)],
        worker: CurrentWorker,
        db_session: DbSession,
        link: Link,
        idempotency_key: IdempotencyKey = None,
    ) -> LinkTokenOut:
        """Open Plaid Link with it in the worker's browser; Link is shown in the worker's
        language where Plaid has it. With `item_id`, Link opens in update mode."""
        token = await service.link_token(
            db_session, link, worker.id, worker_language(request, worker), data.item_id
        )
        return LinkTokenOut(**token)

    @post(
        "/items",
        summary="Keep the bank the worker linked (exchanges Link's public token)",
        status_code=HTTP_201_CREATED,
        responses=problems(
            SIGNED_IN, IDEMPOTENT, JSON_BODY, BankLinkOff, BankUnreachable, BankLinkRefused
        ),
    )
    async def add_item(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[PublicTokenIn, json_body(PUBLIC_TOKEN_EXAMPLE)],
        worker: CurrentWorker,
        db_session: DbSession,
        link: Link,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[BankItemOut]:
        """The first sync (up to two years) starts right after the answer; its income shows
        in `GET /v1/me/income` as it arrives."""
        item = await service.add_item(db_session, link, worker.id, data.public_token)
        await db_session.commit()
        view = await service.item_view(db_session, item, worker_language(request, worker))
        return Response(
            _item_out(view), status_code=HTTP_201_CREATED,
            background=BackgroundTask(_drain, request.app.state),
        )  # fmt: skip

    @get("/items", summary="The worker's bank links", responses=problems(SIGNED_IN))
    async def items(
        self, request: Request[Any, Any, Any], worker: CurrentWorker, db_session: DbSession
    ) -> list[BankItemOut]:
        """Removed links are left out; one that needs the worker to sign in again says
        `action: reconnect`."""
        from banks import repository

        language = worker_language(request, worker)
        return [
            _item_out(await service.item_view(db_session, item, language))
            for item in await repository.items_of(db_session, worker.id)
        ]

    @post(
        "/items/{item_id:uuid}/sync",
        summary="Check a bank link again (after signing in through Link) and sync it",
        status_code=HTTP_200_OK,
        responses=problems(
            SIGNED_IN,
            IDEMPOTENT,
            NOT_FOUND,
            BankItemNotFound,
            BankLinkOff,
            BankUnreachable,
            BankLinkRefused,
        ),
    )
    async def recheck(
        self,
        request: Request[Any, Any, Any],
        item_id: FromPath[uuid.UUID],
        worker: CurrentWorker,
        db_session: DbSession,
        link: Link,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[BankItemOut]:
        """Link's update mode fixed nothing Mutua can see until Plaid says the item works:
        this asks, and when it does, the link is active again and syncs."""
        item = await service.recheck_item(db_session, link, worker.id, item_id)
        await db_session.commit()
        view = await service.item_view(db_session, item, worker_language(request, worker))
        return Response(_item_out(view), background=BackgroundTask(_drain, request.app.state))

    @delete(
        "/items/{item_id:uuid}",
        summary="Disconnect a bank: removed at Plaid, income already read stays",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(
            SIGNED_IN, NOT_FOUND, BankItemNotFound, BankLinkOff, BankUnreachable, BankLinkRefused
        ),
    )
    async def remove_item(
        self,
        item_id: FromPath[uuid.UUID],
        worker: CurrentWorker,
        db_session: DbSession,
        link: Link,
    ) -> None:
        """Plaid forgets the link and Mutua its access token; income records read from the
        bank stay, marked with their source."""
        await service.remove_item(db_session, link, worker.id, item_id)
        await db_session.commit()

    @get(
        "/deposits",
        summary="Money that came into the worker's linked accounts, and what it was taken for",
        responses=problems(SIGNED_IN, PAGED),
    )
    async def deposits(
        self,
        worker: CurrentWorker,
        db_session: DbSession,
        cursor: PageCursor = None,
        limit: PageLimit = 50,
        classification: Annotated[
            Classification | None, QueryParameter(name="classification")
        ] = None,
    ) -> Page[DepositOut]:
        """Newest first. `?classification=unreviewed` lists the deposits Mutua could not
        place: answer each with `POST /v1/me/plaid/deposits/{id}`."""
        after = decode_cursor(cursor, "deposits", (date.fromisoformat, uuid.UUID))
        rows = await service.deposits_page(
            db_session,
            worker.id,
            classification,
            (after[0], after[1]) if after else None,
            limit + 1,
        )
        return page_of(
            rows, limit, "deposits", lambda d: (d.posted_on.isoformat(), str(d.id)), _deposit_out
        )

    @post(
        "/deposits/{deposit_id:uuid}",
        summary="Say what an unrecognised deposit is; the answer is kept for its payer",
        status_code=HTTP_200_OK,
        responses=problems(
            SIGNED_IN,
            IDEMPOTENT,
            JSON_BODY,
            NOT_FOUND,
            DepositNotFound,
            DepositAlreadyDecided,
            UnknownPlatform,
        ),
    )
    async def decide(
        self,
        deposit_id: FromPath[uuid.UUID],
        data: Annotated[DepositDecisionIn, json_body(DECISION_EXAMPLE)],
        worker: CurrentWorker,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> DepositDecisionOut:
        """`{"is_income": true, "platform": "taskrabbit"}` makes it (and every other
        unreviewed deposit from the same payer) income from that platform for its month;
        `{"is_income": false}` sets them aside."""
        platform = parse_platform(data.platform) if data.is_income else None
        decided = await service.decide_deposit(db_session, worker.id, deposit_id, platform)
        await db_session.commit()
        return DepositDecisionOut(decided=[_deposit_out(d) for d in decided])


class PlaidWebhookController(Controller):
    path = "/v1/webhooks"
    tags = ["webhooks"]
    opt = {"idempotency": False}
    dependencies = {"link": Provide(provide_bank_link, sync_to_thread=False)}

    @post(
        "/plaid",
        summary="Plaid's webhook (signed with Plaid-Verification)",
        status_code=HTTP_200_OK,
        responses=problems(WebhookRejected),
    )
    async def plaid(
        self, request: Request[Any, Any, Any], db_session: DbSession, link: Link
    ) -> Response[WebhookOut]:
        """Verified as Plaid documents (ES256 JWT, key by `kid`, `iat` under five minutes,
        the body's SHA-256); 401 and no effect otherwise. A sync it asks for runs after
        this answer, never inside it."""
        body = await request.body()
        status = await service.receive_webhook(
            db_session, link, request.headers.get("plaid-verification"), body
        )
        await db_session.commit()
        background = BackgroundTask(_drain, request.app.state) if status == "queued" else None
        return Response(WebhookOut(status=status), background=background)
