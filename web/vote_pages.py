"""Rule changes by vote on the web: members see what a proposal changes and what the engine
says it does to the pool, and vote; administrators propose and follow the count.

Proposing, voting and counting are `votes.service`, the functions the API and SMS call.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.client_address import client_of
from audit import Actor
from core.errors import MutuaError
from pools.models import Pool
from pools.rules import StoredRules
from pools.service import administered_pool
from votes import service
from votes.models import Proposal
from web.admin_pages import viewer_of
from web.forms import form_of, problem_text
from web.session import DbSession, current_admin, current_worker
from web.view import Formats, Texts, page, page_language

RULES = tuple(StoredRules.__dataclass_fields__)
"""The rules a proposal may change, in the order the form lists them."""


def rule_value(formats: Formats, name: str, value: int, currency: str) -> str:
    """A rule's value as a member reads it: a share, an amount, months or a count."""
    if name.endswith("_bp"):
        return formats.rate(value)
    if name.endswith("_minor"):
        return formats.money(value, currency)
    return formats.count(value)


def _rule_label(name: str) -> dict[str, Any]:
    """A rule's page text, and the tier for a benefit tier's amount
    (`benefit.sick.tier2.benefit_minor` reads "Monthly leave pay of tier 2")."""
    parts = name.split(".")
    if len(parts) == 4 and parts[0] == "benefit":
        label = "benefit_minor" if parts[3] == "benefit_minor" else "benefit_contribution_minor"
        return {"rule": label, "tier": parts[2].removeprefix("tier")}
    return {"rule": name, "tier": None}


def proposal_view(
    proposal: Proposal, pool: Pool, formats: Formats, my_vote: str | None
) -> dict[str, Any]:
    changes = [
        {
            **_rule_label(name),
            "before": rule_value(formats, name, proposal.before.get(name, value), pool.currency),
            "after": rule_value(formats, name, value, pool.currency),
        }
        for name, value in proposal.changes.items()
    ]
    effect = None
    if proposal.effect:
        before, after = proposal.effect["before"], proposal.effect["after"]
        effect = {
            "ruin_before": formats.probability(before["ruin_probability"]),
            "ruin_after": formats.probability(after["ruin_probability"]),
            "payouts_before": formats.money(before["expected_payouts_minor"], pool.currency),
            "payouts_after": formats.money(after["expected_payouts_minor"], pool.currency),
            "contributions_before": formats.money(
                before["expected_contributions_minor"], pool.currency
            ),
            "contributions_after": formats.money(
                after["expected_contributions_minor"], pool.currency
            ),
        }
    return {
        "proposal": proposal,
        "pool": pool,
        "changes": changes,
        "effect": effect,
        "my_vote": my_vote,
        "closes": formats.day(proposal.closes_at.date()),
    }


async def _worker_page(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    worker_id: uuid.UUID,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    found = await service.proposals_for_worker(session, worker_id)
    if any([await service.close_if_due(session, p) for p in found]):
        await session.commit()
    mine = await service.votes_of(session, worker_id, [p.id for p in found])
    formats = Formats(page_language(request))
    pools = {p.pool_id: await session.get(Pool, p.pool_id) for p in found}
    views = [proposal_view(p, pools[p.pool_id], formats, mine.get(p.id)) for p in found]  # type: ignore[arg-type]
    return page(request, "worker/votes.html", status_code=status_code, proposals=views, **context)


@get("/me/votes")
async def votes(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    worker = await current_worker(request, db_session)
    return await _worker_page(request, db_session, worker.id)


@post("/me/votes/{proposal_id:uuid}", status_code=200)
async def vote(
    request: Request[Any, Any, Any], proposal_id: FromPath[uuid.UUID], db_session: DbSession
) -> Template:
    worker = await current_worker(request, db_session)
    worker_id = worker.id
    form = await form_of(request)
    choice = form.get("choice", "")
    try:
        proposal = await service.find_for_worker(db_session, worker_id, proposal_id)
        if choice not in ("yes", "no"):
            raise service.ProposalNotFound("vote yes or no")
        await service.cast_vote(db_session, worker_id, proposal, choice, "web")  # type: ignore[arg-type]
        await db_session.commit()
    except MutuaError as error:
        await db_session.rollback()
        return await _worker_page(
            request,
            db_session,
            worker_id,
            status_code=error.status,
            error=problem_text(error, page_language(request)),
        )
    return await _worker_page(
        request, db_session, worker_id, notice=Texts(page_language(request))("votes.counted")
    )


async def _admin_page(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    pool: Pool,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    found = await service.proposals_of_pool(session, pool.id)
    if any([await service.close_if_due(session, p) for p in found]):
        await session.commit()
    formats = Formats(page_language(request))
    views = [proposal_view(p, pool, formats, None) for p in found]
    return page(
        request,
        "admin/proposals.html",
        status_code=status_code,
        pool=pool,
        proposals=views,
        rules=RULES,
        **context,
    )


@get("/admin/pools/{pool_id:uuid}/proposals")
async def proposals(
    request: Request[Any, Any, Any], pool_id: FromPath[uuid.UUID], db_session: DbSession
) -> Template:
    admin = await current_admin(request, db_session)
    pool = await administered_pool(db_session, viewer_of(admin), pool_id)
    return await _admin_page(request, db_session, pool)


@post("/admin/pools/{pool_id:uuid}/proposals", status_code=200)
async def propose(
    request: Request[Any, Any, Any], pool_id: FromPath[uuid.UUID], db_session: DbSession
) -> Template:
    admin = await current_admin(request, db_session)
    viewer = viewer_of(admin)
    pool = await administered_pool(db_session, viewer, pool_id)
    form = await form_of(request)
    actor = Actor.administrator(admin.id, admin.email, client_of(request))
    recommended = form.get("from_recommendation") == "1"
    try:
        changes = None
        if not recommended:
            rule, raw = form.get("rule", ""), form.get("value", "").strip()
            changes = {rule: int(raw) if raw.lstrip("-").isdigit() else -1}
        await service.propose(
            db_session, viewer, actor, pool_id, changes, from_recommendation=recommended
        )
        await db_session.commit()
    except MutuaError as error:
        await db_session.rollback()
        pool = await administered_pool(db_session, viewer, pool_id)
        return await _admin_page(
            request,
            db_session,
            pool,
            status_code=error.status,
            error=problem_text(error, page_language(request)),
        )
    return await _admin_page(
        request, db_session, pool, notice=Texts(page_language(request))("proposals.opened")
    )


VOTE_HANDLERS = [votes, vote, proposals, propose]
