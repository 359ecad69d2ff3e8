"""Pools: created by administrators, joined by workers with a code."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from api import examples
from api.client_address import client_of
from api.deps import (
    CurrentAdmin,
    CurrentViewer,
    CurrentWorker,
    DbSession,
    provide_admin,
    provide_viewer,
    provide_worker,
)
from api.openapi import json_body
from api.paging import DEFAULT_LIMIT, Page, PageCursor, PageLimit, decode_cursor, page_of
from api.responses import (
    IDEMPOTENT,
    JSON_BODY,
    NOT_FOUND,
    PAGED,
    SIGNED_IN,
    IdempotencyKey,
    also,
    problems,
)
from api.schemas import (
    GrantIn,
    JoinIn,
    MemberOut,
    MembershipOut,
    PoolAdministratorOut,
    PoolIn,
    PoolOut,
    RulesOut,
)
from api.security import SECURED
from audit import Actor, record
from core.errors import Forbidden, UnknownCurrency
from i18n import UnsupportedLanguage
from pools import service
from pools.admins import grant_pool
from pools.errors import (
    AdministratorNotFound,
    InvalidName,
    InvalidTimezone,
    JoinCodeNotFound,
    MembershipSuspended,
)
from pools.models import Membership, Pool, Worker
from pools.rules import InvalidRules, StoredRules
from pools.viewer import Viewer


def pool_out(pool: Pool) -> PoolOut:
    rules = StoredRules.of(pool)
    return PoolOut(
        id=pool.id,
        name=pool.name,
        currency=pool.currency,
        code=pool.join_code,
        timezone=pool.timezone,
        default_language=pool.default_language,
        income_cutoff_day=pool.income_cutoff_day,
        rules=RulesOut(**rules.as_columns()),
        created_at=pool.created_at,
    )


def membership_out(member: Membership, pool: Pool) -> MembershipOut:
    return MembershipOut(
        id=member.id,
        pool_id=pool.id,
        pool_name=pool.name,
        currency=pool.currency,
        status=member.status,
        joined_on=member.joined_on,
        left_on=member.left_on,
    )


class PoolController(Controller):
    path = "/v1/pools"
    tags = ["pools"]
    security = SECURED

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        dependencies={"admin": Provide(provide_admin)},
        summary="Create a pool (administrators)",
        responses=problems(
            SIGNED_IN,
            JSON_BODY,
            IDEMPOTENT,
            UnknownCurrency,
            InvalidName,
            InvalidTimezone,
            UnsupportedLanguage,
            InvalidRules,
        ),
    )
    async def create_pool(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[PoolIn, json_body(examples.POOL)],
        admin: CurrentAdmin,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> PoolOut:
        """The creator administers it. A rule left out takes its default, with amounts
        scaled to the currency (422 `pool-rules-required` where Mutua has no scale for it).
        `code` is the join code to give members."""
        pool = await service.create_pool(
            db_session,
            admin.id,
            name=data.name,
            currency=data.currency,
            rules=data.rules.given() if data.rules else None,
            timezone=data.timezone,
            default_language=data.default_language,
            income_cutoff_day=data.income_cutoff_day,
        )
        actor = Actor.administrator(admin.id, admin.email, client_of(request))
        record(
            db_session,
            actor,
            "pool.created",
            pool_id=pool.id,
            target_kind="pool",
            target_id=pool.id,
            details={"name": pool.name, "currency": pool.currency},
        )
        await db_session.commit()
        return pool_out(pool)

    @post(
        "/join",
        status_code=HTTP_201_CREATED,
        dependencies={"worker": Provide(provide_worker)},
        summary="Join a pool with its code (workers)",
        responses={
            **problems(SIGNED_IN, JSON_BODY, IDEMPOTENT, JoinCodeNotFound, MembershipSuspended),
            **also(HTTP_200_OK, MembershipOut, "Already a member: the membership as it is"),
        },
    )
    async def join_pool(
        self,
        data: Annotated[JoinIn, json_body(examples.JOIN)],
        worker: CurrentWorker,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[MembershipOut]:
        """201 on joining (a welcome text follows), 200 if already a member; a member who
        left joins again with the same code."""
        member, pool, created = await service.join_pool(db_session, worker, data.code)
        await db_session.commit()
        return Response(
            membership_out(member, pool),
            status_code=HTTP_201_CREATED if created else HTTP_200_OK,
        )

    @get(
        "/{pool_id:uuid}",
        dependencies={"viewer": Provide(provide_viewer)},
        summary="A pool, for its administrators and members",
        responses=problems(SIGNED_IN, NOT_FOUND),
    )
    async def get_pool(
        self, pool_id: FromPath[uuid.UUID], viewer: CurrentViewer, db_session: DbSession
    ) -> PoolOut:
        """404 for anyone else, so a stranger cannot learn that the pool exists."""
        return pool_out(await service.pool_for_viewer(db_session, viewer, pool_id))


class AdminPoolController(Controller):
    path = "/v1/admin/pools"
    tags = ["admin"]
    dependencies = {"admin": Provide(provide_admin)}
    security = SECURED

    @get(
        "/",
        summary="Pools this administrator runs (every pool, for an operator)",
        responses=problems(SIGNED_IN, PAGED),
    )
    async def list_pools(
        self,
        admin: CurrentAdmin,
        db_session: DbSession,
        limit: PageLimit = DEFAULT_LIMIT,
        cursor: PageCursor = None,
    ) -> Page[PoolOut]:
        """An `admin` sees the pools they created or were granted; an `operator`, all."""
        after = decode_cursor(cursor, "pools", (uuid.UUID,))
        rows = await service.administered_pools_page(
            db_session, admin, after=after[0] if after else None, limit=limit + 1
        )
        return page_of(rows, limit, "pools", lambda pool: (str(pool.id),), pool_out)

    @get(
        "/{pool_id:uuid}/members",
        summary="A pool's members",
        responses=problems(SIGNED_IN, PAGED, NOT_FOUND),
    )
    async def members(
        self,
        pool_id: FromPath[uuid.UUID],
        admin: CurrentAdmin,
        db_session: DbSession,
        limit: PageLimit = DEFAULT_LIMIT,
        cursor: PageCursor = None,
    ) -> Page[MemberOut]:
        """Members who left stay listed, with `left_on`."""
        after = decode_cursor(cursor, "members", (uuid.UUID,))
        viewer = Viewer.of_admin(admin)
        _, rows = await service.pool_members_page(
            db_session, viewer, pool_id, after=after[0] if after else None, limit=limit + 1
        )
        return page_of(
            rows, limit, "members", lambda row: (str(row[0].id),), lambda row: member_out(*row)
        )

    @post(
        "/{pool_id:uuid}/administrators",
        summary="Make an administrator one of the pool's",
        responses={
            **problems(SIGNED_IN, JSON_BODY, IDEMPOTENT, NOT_FOUND, AdministratorNotFound),
            **also(HTTP_200_OK, PoolAdministratorOut, "They already ran the pool"),
        },
    )
    async def grant(
        self,
        request: Request[Any, Any, Any],
        pool_id: FromPath[uuid.UUID],
        data: Annotated[GrantIn, json_body(examples.GRANT)],
        admin: CurrentAdmin,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PoolAdministratorOut]:
        """Operators only: the administrator (created with `mutua admin create`) then sees
        and runs the pool. 201 when granted, 200 when they already ran it."""
        if admin.role != "operator":
            raise Forbidden("only operators grant pools to administrators")
        granted, pool, created = await grant_pool(db_session, pool_id, data.email)
        if created:
            actor = Actor.administrator(admin.id, admin.email, client_of(request))
            record(
                db_session,
                actor,
                "pool.administrator_granted",
                pool_id=pool.id,
                target_kind="administrator",
                target_id=granted.id,
                details={"email": granted.email},
            )
        await db_session.commit()
        return Response(
            PoolAdministratorOut(
                pool_id=pool.id,
                administrator_id=granted.id,
                email=granted.email,
                role=granted.role,
            ),
            status_code=HTTP_201_CREATED if created else HTTP_200_OK,
        )


def member_out(member: Membership, worker: Worker) -> MemberOut:
    return MemberOut(
        membership_id=member.id,
        worker_id=worker.id,
        name=worker.name,
        phone=worker.phone_e164,
        status=member.status,
        joined_on=member.joined_on,
        left_on=member.left_on,
    )
