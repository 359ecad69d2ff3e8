"""Administrators decide appeals, and read the pool's audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK

from api.client_address import client_of
from api.deps import CurrentAdmin, DbSession, provide_admin
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
from api.routes.appeals import AppealOut, appeal_out
from api.schemas import Strict, text
from api.security import SECURED
from appeals.models import Appeal
from appeals.review import (
    UPHELD_REASONS,
    AppealAlreadyDecided,
    AppealChangeRefused,
    AppealNotFound,
    decide_appeal,
)
from audit import Actor, audit_page
from audit.models import AuditEvent
from core.errors import InsufficientFunds
from core.money import MAX_MINOR
from pools.models import Administrator
from pools.service import administered_pool
from pools.viewer import Viewer
from runs.models import Decision

APPEAL_DECISION_EXAMPLE = {
    "outcome": "upheld",
    "reason": "rules_applied",
    "note": "checked the income",
}


class AppealDecisionIn(Strict):
    outcome: Literal["upheld", "changed"]
    """`upheld`: the decision stands (say why with `reason`); `changed`: it is replaced by
    one of `amount_minor`, the ledger corrected by reversals."""
    reason: Annotated[str, msgspec.Meta(examples=list(UPHELD_REASONS))] | None = None
    amount_minor: Annotated[int, msgspec.Meta(ge=0, le=MAX_MINOR)] | None = None
    note: Annotated[str, text(0, 500)] = ""
    """For the pool's administrators (kept in the appeal's history), not sent."""


class AppealCaseOut(msgspec.Struct, kw_only=True):
    appeal: AppealOut
    decision_kind: str
    decision_amount_minor: int
    currency: str
    period: str
    reason: str
    explanation: list[str]
    inputs: dict[str, Any]
    factors: dict[str, Any]
    model_id: str | None
    overdue: bool


class AppealReviewOut(msgspec.Struct, kw_only=True):
    appeal: AppealOut
    replacement_id: uuid.UUID | None
    replacement_reference: str | None
    amount_minor: int | None


class AuditEventOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    at: datetime
    actor_kind: str
    actor: str
    action: str
    target_kind: str | None
    target_id: str | None
    details: dict[str, Any]
    client_address: str | None


def _viewer(admin: Administrator) -> Viewer:
    return Viewer.of_admin(admin)


def _event_out(event: AuditEvent) -> AuditEventOut:
    return AuditEventOut(
        id=event.id, at=event.at, actor_kind=event.actor_kind, actor=event.actor_label,
        action=event.action, target_kind=event.target_kind, target_id=event.target_id,
        details=event.details, client_address=event.client_address,
    )  # fmt: skip


class AppealReviewController(Controller):
    path = "/v1/admin/pools/{pool_id:uuid}"
    tags = ["admin"]
    dependencies = {"admin": Provide(provide_admin)}
    security = SECURED

    @get(
        "/appeals/{appeal_id:uuid}",
        summary="One appeal with the decision's inputs and factors",
        responses=problems(SIGNED_IN, NOT_FOUND, AppealNotFound),
    )
    async def case(
        self,
        pool_id: FromPath[uuid.UUID],
        appeal_id: FromPath[uuid.UUID],
        admin: CurrentAdmin,
        db_session: DbSession,
    ) -> AppealCaseOut:
        """What the administrator decides on: the worker's reason, and what the engine saw."""
        pool = await administered_pool(db_session, _viewer(admin), pool_id)
        appeal = await db_session.get(Appeal, appeal_id)
        if appeal is None or appeal.pool_id != pool.id:
            raise AppealNotFound(f"appeal {appeal_id} does not exist")
        decision = await db_session.get(Decision, appeal.decision_id)
        assert decision is not None
        from core.clock import utcnow

        return AppealCaseOut(
            appeal=appeal_out(appeal), decision_kind=decision.kind,
            decision_amount_minor=decision.amount_minor, currency=decision.currency,
            period=decision.period, reason=decision.reason, explanation=decision.explanation,
            inputs=decision.inputs, factors=decision.factors, model_id=decision.model_id,
            overdue=appeal.status == "open" and appeal.deadline_at < utcnow(),
        )  # fmt: skip

    @post(
        "/appeals/{appeal_id:uuid}/decision",
        status_code=HTTP_200_OK,
        summary="Decide an appeal: the decision stands, or it is changed",
        responses=problems(
            SIGNED_IN,
            JSON_BODY,
            IDEMPOTENT,
            NOT_FOUND,
            AppealNotFound,
            AppealAlreadyDecided,
            AppealChangeRefused,
            InsufficientFunds,
        ),
    )
    async def decide(
        self,
        request: Request[Any, Any, Any],
        pool_id: FromPath[uuid.UUID],
        appeal_id: FromPath[uuid.UUID],
        data: Annotated[AppealDecisionIn, json_body(APPEAL_DECISION_EXAMPLE)],
        admin: CurrentAdmin,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> AppealReviewOut:
        """`upheld` texts the member why, from the reason codes (`rules_applied`, ...);
        `changed` reverses the decision's transfers, posts the corrected amount, stores a
        decision that replaces it, and texts the member the new amount. Recorded in the
        audit log; an appeal is decided once."""
        actor = Actor.administrator(admin.id, admin.email, client_of(request))
        review = await decide_appeal(
            db_session, _viewer(admin), actor, pool_id, appeal_id, outcome=data.outcome,
            reason=data.reason, amount_minor=data.amount_minor, note=data.note,
        )  # fmt: skip
        await db_session.commit()
        replacement = review.replacement
        return AppealReviewOut(
            appeal=appeal_out(review.appeal),
            replacement_id=replacement.id if replacement else None,
            replacement_reference=replacement.reference if replacement else None,
            amount_minor=replacement.amount_minor if replacement else None,
        )

    @get(
        "/audit",
        summary="The pool's audit log, newest first",
        responses=problems(SIGNED_IN, PAGED, NOT_FOUND),
    )
    async def audit(
        self,
        pool_id: FromPath[uuid.UUID],
        admin: CurrentAdmin,
        db_session: DbSession,
        limit: PageLimit = DEFAULT_LIMIT,
        cursor: PageCursor = None,
    ) -> Page[AuditEventOut]:
        """Every administrator action on the pool: who, when, what, from where. Nobody can
        change it; the database refuses updates and deletes."""
        pool = await administered_pool(db_session, _viewer(admin), pool_id)
        after = decode_cursor(cursor, "audit", (aware_datetime, uuid.UUID))
        rows = await audit_page(
            db_session, pool.id, (after[0], after[1]) if after else None, limit + 1
        )
        return page_of(rows, limit, "audit", lambda e: (e.at.isoformat(), str(e.id)), _event_out)
