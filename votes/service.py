"""Proposing, voting, closing; the caller owns the transaction."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit import Actor, record
from benefits.votes import load_after, split_changes, tiers_before
from core.clock import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.periods import Period
from i18n import choose_language
from notifications.outbox import enqueue_sms
from pools import repository as pools_repository
from pools.models import Pool, RuleChange
from pools.rules import StoredRules, changed_rules
from pools.service import administered_pool
from pools.viewer import Viewer
from runs import repository as runs_repository
from runs.models import PricingSnapshot
from votes.models import Proposal, Vote

Choice = Literal["yes", "no"]
BP = 10_000
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
log = logging.getLogger(__name__)


class ProposalNotFound(NotFound):
    slug = "proposal-not-found"
    title = "The proposal does not exist"


class VoteClosed(Conflict):
    slug = "vote-closed"
    title = "The vote on this proposal is closed"


class NoRecommendation(ValidationFailed):
    slug = "no-recommendation"
    title = "The last run recommended no rate change"


def _reference(proposal_id: uuid.UUID) -> str:
    digest = int.from_bytes(hashlib.sha256(proposal_id.bytes).digest()[:6], "big")
    chars = []
    for _ in range(5):
        digest, index = divmod(digest, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "P-" + "".join(chars)


async def _effect(
    session: AsyncSession,
    pool: Pool,
    before: StoredRules,
    after: StoredRules,
    tiers: dict[str, int],
    scenarios: int,
) -> dict[str, Any] | None:
    snapshot = await session.scalar(
        select(PricingSnapshot)
        .where(PricingSnapshot.pool_id == pool.id)
        .order_by(PricingSnapshot.period.desc())
        .limit(1)
    )
    if snapshot is None:
        return None
    from runs.solvency import price_snapshot, snapshot_benefits  # loads PyMC: only when asked

    now = await price_snapshot(
        snapshot.data, before, pool.currency, snapshot.reserve_minor, scenarios
    )
    benefits = await load_after(
        session, pool.id, tiers, snapshot_benefits(snapshot.data), pool.currency
    )
    then = await price_snapshot(
        snapshot.data, after, pool.currency, snapshot.reserve_minor, scenarios, benefits
    )
    return {"period": snapshot.period, "before": now, "after": then}


async def propose(
    session: AsyncSession,
    viewer: Viewer,
    actor: Actor,
    pool_id: uuid.UUID,
    changes: dict[str, int] | None,
    *,
    from_recommendation: bool = False,
    now: datetime | None = None,
    scenarios: int = 50_000,
) -> Proposal:
    """Open a vote on new rules, priced by the engine, and tell every active member."""
    pool = await administered_pool(session, viewer, pool_id)
    at = now or utcnow()
    source = "administrator"
    if from_recommendation:
        health = await runs_repository.latest_health(session, pool.id)
        if health is None or not health.recommend_rate_change:
            raise NoRecommendation("the pool's last run recommended keeping the rate")
        changes = {"contribution_rate_bp": int(health.solved_rate_bp)}
        source = "recommendation"
    before = StoredRules.of(pool)
    rule_part, tier_part = split_changes(changes or {})
    after = changed_rules(before, rule_part) if rule_part or not tier_part else before
    tiers = await tiers_before(session, pool.id, tier_part)
    proposal_id = uuid.uuid4()
    proposal = Proposal(
        id=proposal_id,
        pool_id=pool.id,
        reference=_reference(proposal_id),
        proposed_by=actor.id if actor.kind == "administrator" else None,
        source=source,
        changes=dict(changes or {}),
        before={
            **{k: v for k, v in before.as_columns().items() if k in rule_part},
            **tiers,
        },
        effect=await _effect(session, pool, before, after, tier_part, scenarios),
        status="open",
        opens_at=at,
        closes_at=at + timedelta(days=pool.vote_days),
        quorum_bp=pool.vote_quorum_bp,
        majority_bp=pool.vote_majority_bp,
        created_at=at,
    )
    session.add(proposal)
    record(
        session,
        actor,
        "proposal.created",
        pool_id=pool.id,
        target_kind="proposal",
        target_id=proposal.id,
        details={"reference": proposal.reference, "changes": proposal.changes, "source": source},
        at=at,
    )
    await _tell_members(session, pool, proposal, "vote.opened")
    await session.flush()
    return proposal


async def _tell_members(
    session: AsyncSession, pool: Pool, proposal: Proposal, template: str
) -> None:
    days = max(1, (proposal.closes_at - proposal.opens_at).days)
    for member, worker in await pools_repository.members_of_pool(session, pool.id):
        if member.status != "active":
            continue
        language = choose_language(
            chosen=worker.language,
            accept_language=None,
            phone_e164=worker.phone_e164,
            pool_default=pool.default_language,
        )
        values: dict[str, object] = {"reference": proposal.reference}
        if template == "vote.opened":
            values["days"] = days
        await enqueue_sms(
            session,
            to=worker.phone_e164,
            template=template,
            language=language,
            values=values,
            dedup_key=f"{template}:{proposal.id}:{member.id}",
        )


async def proposal_of_pool(
    session: AsyncSession, pool_id: uuid.UUID, proposal_id: uuid.UUID
) -> Proposal:
    proposal = await session.scalar(
        select(Proposal).where(Proposal.id == proposal_id, Proposal.pool_id == pool_id)
    )
    if proposal is None:
        raise ProposalNotFound(f"proposal {proposal_id} does not exist")
    return proposal


async def proposals_of_pool(session: AsyncSession, pool_id: uuid.UUID) -> Sequence[Proposal]:
    rows = await session.scalars(
        select(Proposal).where(Proposal.pool_id == pool_id).order_by(Proposal.created_at.desc())
    )
    return rows.all()


async def proposals_for_worker(session: AsyncSession, worker_id: uuid.UUID) -> Sequence[Proposal]:
    """Every proposal of the pools the worker is an active member of, newest first."""
    pools = [
        pool.id
        for member, pool in await pools_repository.memberships_of_worker(session, worker_id)
        if member.status == "active"
    ]
    if not pools:
        return []
    rows = await session.scalars(
        select(Proposal).where(Proposal.pool_id.in_(pools)).order_by(Proposal.created_at.desc())
    )
    return rows.all()


async def find_for_worker(
    session: AsyncSession,
    worker_id: uuid.UUID,
    proposal_id: uuid.UUID | None = None,
    reference: str | None = None,
) -> Proposal:
    """A proposal of one of the worker's pools, by id or by reference; None named means the
    newest open one (`VOTE YES` by SMS)."""
    for proposal in await proposals_for_worker(session, worker_id):
        if proposal_id is not None and proposal.id == proposal_id:
            return proposal
        if reference is not None and proposal.reference == reference.upper():
            return proposal
        if proposal_id is None and reference is None and proposal.status == "open":
            return proposal
    raise ProposalNotFound("no such proposal in your pools")


async def cast_vote(
    session: AsyncSession,
    worker_id: uuid.UUID,
    proposal: Proposal,
    choice: Choice,
    channel: str,
    *,
    now: datetime | None = None,
) -> Vote:
    """The member's vote; voting again replaces it (the last vote counts) until it closes."""
    at = now or utcnow()
    if proposal.status != "open" or at >= proposal.closes_at:
        raise VoteClosed(f"the vote on {proposal.reference} closed at {proposal.closes_at}")
    member = await pools_repository.membership(session, proposal.pool_id, worker_id)
    if member is None or member.status != "active":
        raise ProposalNotFound("no such proposal in your pools")
    existing = await session.scalar(
        select(Vote)
        .where(Vote.proposal_id == proposal.id, Vote.membership_id == member.id)
        .with_for_update()
    )
    if existing is None:
        vote = Vote(
            proposal_id=proposal.id,
            membership_id=member.id,
            worker_id=worker_id,
            choice=choice,
            channel=channel,
            cast_at=at,
        )
        try:
            async with session.begin_nested():
                session.add(vote)
            return vote
        except IntegrityError:  # the same member voting twice at once: update the winner
            existing = await session.scalar(
                select(Vote).where(Vote.proposal_id == proposal.id, Vote.membership_id == member.id)
            )
            assert existing is not None
    if existing.choice != choice:
        existing.changes += 1
    existing.choice, existing.channel, existing.cast_at = choice, channel, at
    return existing


async def tally(session: AsyncSession, proposal: Proposal) -> tuple[int, int]:
    rows = await session.execute(
        select(Vote.choice, func.count())
        .where(Vote.proposal_id == proposal.id)
        .group_by(Vote.choice)
    )
    counts = {choice: count for choice, count in rows}
    return int(counts.get("yes", 0)), int(counts.get("no", 0))


async def close_if_due(
    session: AsyncSession, proposal: Proposal, *, now: datetime | None = None
) -> bool:
    """Close a vote whose time is over: count, decide, adopt, tell. True if it closed now."""
    at = now or utcnow()
    if proposal.status != "open" or at < proposal.closes_at:
        return False
    pool = await session.get(Pool, proposal.pool_id, with_for_update=True)
    assert pool is not None
    locked = await session.get(Proposal, proposal.id, with_for_update=True, populate_existing=True)
    if locked is None or locked.status != "open":
        return False
    yes, no = await tally(session, locked)
    eligible = await pools_repository.count_active_members(session, pool.id)
    quorate = eligible > 0 and (yes + no) * BP >= locked.quorum_bp * eligible
    passed = quorate and yes * BP > locked.majority_bp * (yes + no)
    locked.status = "accepted" if passed else ("rejected" if quorate else "no_quorum")
    locked.yes_votes, locked.no_votes, locked.eligible = yes, no, eligible
    locked.closed_at = at
    if passed:
        applies_from = str(Period.current(pool.timezone, at).shift(1))
        locked.applies_from = applies_from
        session.add(
            RuleChange(
                pool_id=pool.id,
                applies_from=applies_from,
                changes=dict(locked.changes),
                source=f"proposal:{locked.reference}",
            )
        )
    record(
        session,
        Actor.system("vote"),
        "proposal.closed",
        pool_id=pool.id,
        target_kind="proposal",
        target_id=locked.id,
        details={
            "reference": locked.reference,
            "status": locked.status,
            "yes": yes,
            "no": no,
            "eligible": eligible,
            "applies_from": locked.applies_from,
        },
        at=at,
    )
    await _tell_members(session, pool, locked, f"vote.{locked.status}")
    await session.flush()
    return True


async def close_due(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Close every vote whose time is over (the app's loop calls this every minute)."""
    at = now or utcnow()
    due = (
        await session.scalars(
            select(Proposal).where(Proposal.status == "open", Proposal.closes_at <= at)
        )
    ).all()
    closed = 0
    for proposal in due:
        closed += await close_if_due(session, proposal, now=at)
    return closed


async def votes_of(
    session: AsyncSession, worker_id: uuid.UUID, proposal_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not proposal_ids:
        return {}
    rows = await session.execute(
        select(Vote.proposal_id, Vote.choice).where(
            Vote.worker_id == worker_id, Vote.proposal_id.in_(list(proposal_ids))
        )
    )
    return {proposal_id: choice for proposal_id, choice in rows}


async def close_forever(sessions: async_sessionmaker[AsyncSession], every: float = 60.0) -> None:
    """Count votes as their time runs out, so members hear the outcome the same day."""
    while True:
        try:
            async with sessions() as session:
                if await close_due(session):
                    await session.commit()
        except Exception:
            log.exception("closing due votes")
        await asyncio.sleep(every)
