"""Benefits: administrators set a pool's benefits and decide claims; members choose a tier,
claim, say when they are back, and (where members approve) answer other members' claims."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from api.client_address import client_of
from api.deps import CurrentAdmin, CurrentWorker, DbSession, provide_admin, provide_worker
from api.openapi import json_body
from api.responses import IDEMPOTENT, JSON_BODY, NOT_FOUND, SIGNED_IN, IdempotencyKey, problems
from api.security import SECURED
from audit import Actor
from benefits import repository, service
from benefits.rules import BenefitNotOffered, InvalidBenefitRules
from benefits.schemas import (
    ApprovalIn,
    BenefitPlanOut,
    BenefitRulesIn,
    ClaimDecidedOut,
    ClaimDecisionIn,
    ClaimEndIn,
    ClaimIn,
    ClaimOut,
    ClaimToAnswerOut,
    EnrolmentOut,
    TierChoiceIn,
    claim_out,
    claim_to_answer_out,
    enrolment_out,
    plan_out,
)
from pools import repository as pools_repository
from pools.service import administered_pool
from pools.viewer import Viewer

RULES_EXAMPLE = {
    "tiers": [
        {"benefit_minor": 80000, "contribution_minor": 2000},
        {"benefit_minor": 150000, "contribution_minor": 3800},
    ],
    "qualifying_months": 6,
    "waiting_days": 30,
    "max_months": 24,
    "approval": "members",
    "approvals_needed": 3,
}
CLAIM_EXAMPLE = {"kind": "sick", "starts_on": "2026-12-03", "evidence": "clinic note 4471"}


class AdminBenefitController(Controller):
    path = "/v1/admin/pools/{pool_id:uuid}"
    tags = ["benefits"]
    dependencies = {"admin": Provide(provide_admin)}
    security = SECURED

    @post(
        "/benefits/{kind:str}",
        status_code=HTTP_200_OK,
        summary="Offer a benefit, or change its rules and tiers",
        responses=problems(
            SIGNED_IN, JSON_BODY, IDEMPOTENT, NOT_FOUND, BenefitNotOffered, InvalidBenefitRules
        ),
    )
    async def set_rules(
        self,
        request: Request[Any, Any, Any],
        pool_id: FromPath[uuid.UUID],
        kind: FromPath[str],
        data: Annotated[BenefitRulesIn, json_body(RULES_EXAMPLE)],
        admin: CurrentAdmin,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> BenefitPlanOut:
        """`kind` is `sick`, `parental` or `injury`. Claims already made keep the rules they
        were made under; tiers can also change by member vote. Recorded in the audit log."""
        actor = Actor.administrator(admin.id, admin.email, client_of(request))
        viewer = Viewer.of_admin(admin)
        plan = await service.set_plan(db_session, viewer, actor, pool_id, kind, data.given())
        pool = await administered_pool(db_session, viewer, pool_id)
        await db_session.commit()
        return plan_out(plan, pool.currency)

    @get(
        "/benefits",
        summary="The benefits the pool offers",
        responses=problems(SIGNED_IN, NOT_FOUND),
    )
    async def plans(
        self, pool_id: FromPath[uuid.UUID], admin: CurrentAdmin, db_session: DbSession
    ) -> list[BenefitPlanOut]:
        """Each benefit's tiers and rules, as members choose and claim them."""
        pool = await administered_pool(db_session, Viewer.of_admin(admin), pool_id)
        plans = await repository.plans_of(db_session, pool.id)
        return [plan_out(plan, pool.currency) for plan in plans]

    @get(
        "/benefit-claims",
        summary="The pool's benefit claims, oldest first",
        responses=problems(SIGNED_IN, NOT_FOUND),
    )
    async def claims(
        self, pool_id: FromPath[uuid.UUID], admin: CurrentAdmin, db_session: DbSession
    ) -> list[ClaimOut]:
        """Pending claims wait for a decision (`POST .../decision`)."""
        found = await service.pool_claims(db_session, Viewer.of_admin(admin), pool_id)
        return [claim_out(claim) for claim in found]

    @post(
        "/benefit-claims/{claim_id:uuid}/decision",
        status_code=HTTP_200_OK,
        summary="Approve or refuse a claim",
        responses=problems(
            SIGNED_IN,
            JSON_BODY,
            IDEMPOTENT,
            NOT_FOUND,
            service.ClaimNotFound,
            service.ClaimAlreadyDecided,
        ),
    )
    async def decide(
        self,
        request: Request[Any, Any, Any],
        pool_id: FromPath[uuid.UUID],
        claim_id: FromPath[uuid.UUID],
        data: Annotated[ClaimDecisionIn, json_body({"outcome": "approved"})],
        admin: CurrentAdmin,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> ClaimDecidedOut:
        """Stores a `benefit_claim` decision (the member can appeal it), texts the member,
        and records the approval in the audit log. Approved claims are paid by the runs."""
        actor = Actor.administrator(admin.id, admin.email, client_of(request))
        claim, decision = await service.decide_claim(
            db_session, Viewer.of_admin(admin), actor, pool_id, claim_id,
            approve=data.outcome == "approved", note=data.note,
        )  # fmt: skip
        await db_session.commit()
        return ClaimDecidedOut(
            claim=claim_out(claim), decision_id=decision.id, decision_reference=decision.reference
        )


class WorkerBenefitController(Controller):
    path = "/v1/me"
    tags = ["benefits"]
    dependencies = {"worker": Provide(provide_worker)}
    security = SECURED

    @get(
        "/pools/{pool_id:uuid}/benefits",
        summary="The benefits of one of the worker's pools, with the tier they chose",
        responses=problems(SIGNED_IN, NOT_FOUND),
    )
    async def plans(
        self, pool_id: FromPath[uuid.UUID], worker: CurrentWorker, db_session: DbSession
    ) -> list[BenefitPlanOut]:
        """Each benefit's tiers and rules; `my_level` is the tier the worker chose."""
        pool, plans = await service.pool_plans(db_session, Viewer(worker_id=worker.id), pool_id)
        member = await pools_repository.membership(db_session, pool.id, worker.id)
        out = []
        for plan in plans:
            chosen = (
                await repository.enrolment_of(db_session, member.id, plan.kind) if member else None
            )
            out.append(plan_out(plan, pool.currency, chosen.level if chosen else None))
        return out

    @post(
        "/pools/{pool_id:uuid}/benefits/{kind:str}/tier",
        status_code=HTTP_200_OK,
        summary="Choose (or change) the tier of a benefit",
        responses=problems(
            SIGNED_IN, JSON_BODY, IDEMPOTENT, NOT_FOUND, BenefitNotOffered, InvalidBenefitRules
        ),
    )
    async def choose(
        self,
        pool_id: FromPath[uuid.UUID],
        kind: FromPath[str],
        data: Annotated[TierChoiceIn, json_body({"level": 2})],
        worker: CurrentWorker,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> EnrolmentOut:
        """A higher tier pays a higher benefit and costs a higher monthly contribution; the
        tier counts for claims made from now on."""
        enrolment = await service.choose_tier(db_session, worker, pool_id, kind, data.level)
        await db_session.commit()
        return enrolment_out(enrolment)

    @post(
        "/benefit-claims",
        summary="Claim a benefit from a date",
        responses={
            **problems(
                SIGNED_IN, JSON_BODY, IDEMPOTENT, NOT_FOUND, BenefitNotOffered,
                service.TierNotChosen, service.ClaimAlreadyOpen, service.EvidenceRequired,
                service.InvalidClaimDate,
            ),
        },
    )  # fmt: skip
    async def claim(
        self,
        data: Annotated[ClaimIn, json_body(CLAIM_EXAMPLE)],
        worker: CurrentWorker,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ClaimOut]:
        """As `SICK` by SMS. 201 with the claim: `pending` until it is decided, or `refused`
        at once when the qualifying period is not over (with the decision to appeal)."""
        claim = await service.file_claim(
            db_session, worker, data.kind, data.starts_on, pool_id=data.pool_id,
            evidence=data.evidence, channel="api",
        )  # fmt: skip
        await db_session.commit()
        return Response(claim_out(claim), status_code=HTTP_201_CREATED)

    @get(
        "/benefit-claims",
        summary="The worker's claims, newest first",
        responses=problems(SIGNED_IN),
    )
    async def claims(self, worker: CurrentWorker, db_session: DbSession) -> list[ClaimOut]:
        """With each claim's status, days paid so far and the decision that approved it."""
        return [claim_out(c) for c in await service.claims_of_worker(db_session, worker.id)]

    @post(
        "/benefit-claims/{claim_id:uuid}/end",
        status_code=HTTP_200_OK,
        summary="Back at work: the claim ends",
        responses=problems(
            SIGNED_IN, JSON_BODY, IDEMPOTENT, NOT_FOUND, service.ClaimNotFound,
            service.ClaimAlreadyDecided, service.InvalidClaimDate,
        ),
    )  # fmt: skip
    async def end(
        self,
        claim_id: FromPath[uuid.UUID],
        data: Annotated[ClaimEndIn, json_body({"back_on": "2026-12-10"})],
        worker: CurrentWorker,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> ClaimOut:
        """As `BETTER` by SMS: the days before `back_on` are paid by the next run."""
        claim = await service.end_claim(db_session, worker, data.back_on, claim_id=claim_id)
        await db_session.commit()
        return claim_out(claim)

    @get(
        "/benefit-claims/to-answer",
        summary="Other members' claims waiting for the worker's approval",
        responses=problems(SIGNED_IN),
    )
    async def to_answer(
        self, worker: CurrentWorker, db_session: DbSession
    ) -> list[ClaimToAnswerOut]:
        """In pools where members approve claims (bread-fund style)."""
        found = await service.claims_to_answer(db_session, worker.id)
        return [claim_to_answer_out(c) for c in found]

    @post(
        "/benefit-claims/{claim_id:uuid}/approval",
        status_code=HTTP_200_OK,
        summary="Approve another member's claim, or not",
        responses=problems(
            SIGNED_IN, JSON_BODY, IDEMPOTENT, NOT_FOUND, service.ClaimNotFound,
            service.ClaimAlreadyDecided, service.NotForMembers,
        ),
    )  # fmt: skip
    async def answer(
        self,
        claim_id: FromPath[uuid.UUID],
        data: Annotated[ApprovalIn, json_body({"approve": True})],
        worker: CurrentWorker,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> ClaimToAnswerOut:
        """The last answer counts; the claim is decided as soon as enough members agree."""
        claim = await service.answer_claim(db_session, worker, claim_id, data.approve)
        await db_session.commit()
        return claim_to_answer_out(claim)
