"""Rule changes by member vote: administrators propose, members vote, the engine prices."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from api.client_address import client_of
from api.deps import CurrentAdmin, CurrentWorker, DbSession, provide_admin, provide_worker
from api.openapi import json_body
from api.responses import IDEMPOTENT, JSON_BODY, NOT_FOUND, SIGNED_IN, IdempotencyKey, problems
from api.schemas import Strict
from api.security import SECURED
from audit import Actor
from benefits.rules import InvalidBenefitRules
from pools.rules import InvalidRules
from pools.service import administered_pool
from pools.viewer import Viewer
from votes import service
from votes.models import Proposal, Vote

PROPOSAL_EXAMPLE = {"changes": {"contribution_rate_bp": 350, "waiting_period_months": 2}}
VOTE_EXAMPLE = {"choice": "yes"}


class ProposalIn(Strict):
    changes: dict[str, int] | None = None
    """Rule name → new value (the names and units of the pool's `rules`)."""
    from_recommendation: bool = False
    """Propose the last run's solved contribution rate instead of naming changes."""


class VoteIn(Strict):
    choice: Literal["yes", "no"]


class ProposalOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    pool_id: uuid.UUID
    reference: str
    source: str
    changes: dict[str, int]
    before: dict[str, int]
    effect: dict[str, Any] | None
    """Ruin probability (with its error), expected payouts and contributions over the next
    12 months, before and after, on the members of the last run; null before the first."""
    status: str
    opens_at: datetime
    closes_at: datetime
    quorum_bp: int
    majority_bp: int
    yes_votes: int | None
    no_votes: int | None
    eligible: int | None
    applies_from: str | None
    my_vote: str | None = None


class VoteOut(msgspec.Struct, kw_only=True):
    proposal_id: uuid.UUID
    reference: str
    choice: str
    cast_at: datetime
    changes: int
    """How many times this member changed their vote; the last one counts."""


def proposal_out(proposal: Proposal, my_vote: str | None = None) -> ProposalOut:
    return ProposalOut(
        id=proposal.id, pool_id=proposal.pool_id, reference=proposal.reference,
        source=proposal.source, changes=proposal.changes, before=proposal.before,
        effect=proposal.effect, status=proposal.status, opens_at=proposal.opens_at,
        closes_at=proposal.closes_at, quorum_bp=proposal.quorum_bp,
        majority_bp=proposal.majority_bp, yes_votes=proposal.yes_votes,
        no_votes=proposal.no_votes, eligible=proposal.eligible,
        applies_from=proposal.applies_from, my_vote=my_vote,
    )  # fmt: skip


def vote_out(vote: Vote, proposal: Proposal) -> VoteOut:
    return VoteOut(
        proposal_id=proposal.id, reference=proposal.reference, choice=vote.choice,
        cast_at=vote.cast_at, changes=vote.changes,
    )  # fmt: skip


class AdminVoteController(Controller):
    path = "/v1/admin/pools/{pool_id:uuid}/proposals"
    tags = ["votes"]
    dependencies = {"admin": Provide(provide_admin)}
    security = SECURED

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Propose new rules to the members, priced by the engine",
        responses=problems(
            SIGNED_IN,
            JSON_BODY,
            IDEMPOTENT,
            NOT_FOUND,
            InvalidRules,
            InvalidBenefitRules,
            service.NoRecommendation,
        ),
    )
    async def propose(
        self,
        request: Request[Any, Any, Any],
        pool_id: FromPath[uuid.UUID],
        data: Annotated[ProposalIn, json_body(PROPOSAL_EXAMPLE)],
        admin: CurrentAdmin,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> ProposalOut:
        """Opens a vote for the pool's `vote_days`; every active member is texted how to vote.
        `from_recommendation` takes the last run's solved rate in one step."""
        viewer = Viewer.of_admin(admin)
        actor = Actor.administrator(admin.id, admin.email, client_of(request))
        proposal = await service.propose(
            db_session, viewer, actor, pool_id, data.changes,
            from_recommendation=data.from_recommendation,
        )  # fmt: skip
        await db_session.commit()
        return proposal_out(proposal)

    @get(
        "/", summary="The pool's proposals, newest first", responses=problems(SIGNED_IN, NOT_FOUND)
    )
    async def proposals(
        self, pool_id: FromPath[uuid.UUID], admin: CurrentAdmin, db_session: DbSession
    ) -> list[ProposalOut]:
        """A vote whose time is over is counted on the spot."""
        viewer = Viewer.of_admin(admin)
        pool = await administered_pool(db_session, viewer, pool_id)
        found = await service.proposals_of_pool(db_session, pool.id)
        if any([await service.close_if_due(db_session, p) for p in found]):
            await db_session.commit()
        return [proposal_out(p) for p in found]


class WorkerVoteController(Controller):
    path = "/v1/me/proposals"
    tags = ["votes"]
    dependencies = {"worker": Provide(provide_worker)}
    security = SECURED

    @get("/", summary="Rule changes proposed in the worker's pools", responses=problems(SIGNED_IN))
    async def proposals(self, worker: CurrentWorker, db_session: DbSession) -> list[ProposalOut]:
        """With what each would change (the engine's figures) and the worker's own vote."""
        found = await service.proposals_for_worker(db_session, worker.id)
        if any([await service.close_if_due(db_session, p) for p in found]):
            await db_session.commit()
        mine = await service.votes_of(db_session, worker.id, [p.id for p in found])
        return [proposal_out(p, mine.get(p.id)) for p in found]

    @post(
        "/{proposal_id:uuid}/vote",
        status_code=HTTP_200_OK,
        summary="Vote YES or NO; voting again replaces the vote",
        responses=problems(
            SIGNED_IN,
            JSON_BODY,
            IDEMPOTENT,
            NOT_FOUND,
            service.ProposalNotFound,
            service.VoteClosed,
        ),
    )
    async def vote(
        self,
        proposal_id: FromPath[uuid.UUID],
        data: Annotated[VoteIn, json_body(VOTE_EXAMPLE)],
        worker: CurrentWorker,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[VoteOut]:
        """As `VOTE YES` by SMS. The last vote before the close counts."""
        proposal = await service.find_for_worker(db_session, worker.id, proposal_id)
        if await service.close_if_due(db_session, proposal):
            await db_session.commit()
        vote = await service.cast_vote(db_session, worker.id, proposal, data.choice, "api")
        await db_session.commit()
        return Response(vote_out(vote, proposal))
