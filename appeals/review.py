"""An administrator decides an appeal: the decision stands, or it is changed.

A changed decision is never edited. Each of its transfers is reversed (the reversal names
the transfer it undoes), one transfer of the corrected amount is posted the way the
decision's kind moves money (a payout from the reserve to the member's savings, a
contribution from the savings to the reserve), and a new decision names the one it
replaces, with the appeal among its factors. All of it commits together with the appeal's
new status and the audit entry, or none of it does: a reversal the ledger refuses (the
member already spent a payout being taken back) refuses the whole change.

The member is told in their language: why the decision stands (a reason code from the
catalogs, so the text is theirs, not the administrator's), or the new amount.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import msgspec
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appeals.models import Appeal
from audit import Actor, record
from benefits.service import change_by_appeal
from core.clock import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.money import Money
from i18n import choose_language
from i18n.registry import CHOICES
from notifications.outbox import enqueue_sms
from pools.ledger import (
    TransferRequest,
    open_member_accounts,
    open_pool_accounts,
    post_transfer,
    reverse_transfer,
)
from pools.models import Pool, Worker
from pools.service import administered_pool
from pools.viewer import Viewer
from runs import ids
from runs import service as runs_service
from runs.models import Decision
from runs.schemas import HealthOut

Outcome = Literal["upheld", "changed"]
UPHELD_REASONS = tuple(CHOICES["appeal.reason"])
CHANGEABLE = {
    "payout": "payout",
    "payout_refused": "payout",
    "contribution": "contribution",
    "catchup": "catchup",
    "benefit": "benefit",
}
"""The kinds whose amount an appeal can change, and the kind of the corrected decision.
A `benefit_claim` decision is changed by `benefits.service.change_by_appeal` instead: the
claim is approved (at the new monthly amount) or refused, and the runs pay it from then."""
PAID_OUT = {"payout": "smoothing_payout", "benefit": "benefit"}
"""Kinds whose money goes from the reserve to the member, with the ledger reason."""


class AppealNotFound(NotFound):
    slug = "appeal-not-found"
    title = "The appeal does not exist"


class AppealAlreadyDecided(Conflict):
    slug = "appeal-already-decided"
    title = "The appeal was already decided"


class AppealChangeRefused(ValidationFailed):
    slug = "appeal-change-refused"
    title = "This decision cannot be changed that way"


@dataclass(frozen=True)
class Review:
    appeal: Appeal
    replacement: Decision | None


async def decide_appeal(
    session: AsyncSession,
    viewer: Viewer,
    actor: Actor,
    pool_id: uuid.UUID,
    appeal_id: uuid.UUID,
    *,
    outcome: Outcome,
    reason: str | None = None,
    amount_minor: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Review:
    pool = await administered_pool(session, viewer, pool_id)
    appeal = await session.scalar(
        select(Appeal)
        .where(Appeal.id == appeal_id, Appeal.pool_id == pool.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if appeal is None:
        raise AppealNotFound(f"appeal {appeal_id} does not exist")
    if appeal.status != "open":
        raise AppealAlreadyDecided(f"appeal {appeal_id} is already {appeal.status}")
    decision = await session.get(Decision, appeal.decision_id)
    worker = await session.get(Worker, appeal.worker_id)
    assert decision is not None and worker is not None
    at = now or utcnow()
    language = choose_language(
        chosen=worker.language, accept_language=None, phone_e164=worker.phone_e164,
        pool_default=pool.default_language,
    )  # fmt: skip
    replacement = None
    if outcome == "upheld":
        if reason not in UPHELD_REASONS:
            raise ValidationFailed(
                f"say why the decision stands: reason is one of {', '.join(UPHELD_REASONS)}",
                field="reason",
            )
        await enqueue_sms(
            session, to=worker.phone_e164, template="appeal.upheld", language=language,
            values={"reference": appeal.reference, "reason": reason},
            dedup_key=f"appeal-decided:{appeal.id}",
        )  # fmt: skip
    else:
        replacement = await _change(session, pool, decision, appeal, amount_minor, at)
        await enqueue_sms(
            session, to=worker.phone_e164, template="appeal.changed", language=language,
            values={
                "reference": appeal.reference,
                "amount": Money(replacement.amount_minor, pool.currency),
                "previous": Money(decision.amount_minor, pool.currency),
            },
            dedup_key=f"appeal-decided:{appeal.id}",
        )  # fmt: skip
    step = {"status": outcome, "at": at.isoformat(), "by": f"{actor.kind}:{actor.label}"}
    if reason:
        step["reason"] = reason
    if note:
        step["note"] = " ".join(note.split())[:500]
    if replacement is not None:
        step["replacement_id"] = str(replacement.id)
    appeal.history = [*appeal.history, step]
    appeal.status = outcome
    appeal.updated_at = at
    record(
        session, actor, "appeal.decided", pool_id=pool.id, target_kind="appeal",
        target_id=appeal.id,
        details={
            "outcome": outcome, "decision": decision.reference, "reason": reason,
            "amount_before_minor": decision.amount_minor,
            "amount_after_minor": replacement.amount_minor if replacement else None,
        },
        at=at,
    )  # fmt: skip
    await session.flush()
    return Review(appeal, replacement)


async def _change(
    session: AsyncSession,
    pool: Pool,
    decision: Decision,
    appeal: Appeal,
    amount_minor: int | None,
    at: datetime,
) -> Decision:
    if decision.kind == "benefit_claim":
        if amount_minor is None or amount_minor < 0:
            raise AppealChangeRefused(
                "a changed claim needs its monthly amount_minor (0 refuses it)",
                field="amount_minor",
            )
        if amount_minor == decision.amount_minor:
            raise AppealChangeRefused("the new amount is the amount decided: uphold it instead")
        return await change_by_appeal(session, decision, amount_minor, appeal.id, at)
    kind = CHANGEABLE.get(decision.kind)
    if kind is None:
        raise AppealChangeRefused(
            f"a {decision.kind} decision can only be upheld; its amount follows from others"
        )
    if amount_minor is None or amount_minor < 0:
        raise AppealChangeRefused(
            "a changed decision needs its new amount_minor", field="amount_minor"
        )
    if amount_minor == decision.amount_minor:
        raise AppealChangeRefused("the new amount is the amount decided: uphold it instead")
    member = await open_member_accounts(session, pool, decision.worker_id)
    accounts = await open_pool_accounts(session, pool)
    transfer_ids: list[str] = []
    async with session.begin_nested():  # every movement of the correction, or none
        for original in decision.transfer_ids:
            reversal = ids.derived_id("appeal", appeal.id, "reverses", original)
            await reverse_transfer(
                session, uuid.UUID(original), reversal_id=reversal, memo=f"appeal {appeal.id}"
            )
            transfer_ids.append(str(reversal))
        if amount_minor > 0:
            debit, credit, reason = (
                (accounts.reserve.id, member.savings.id, PAID_OUT[kind])
                if kind in PAID_OUT
                else (member.savings.id, accounts.reserve.id, kind)
            )
            corrected = ids.derived_id("appeal", appeal.id, "corrected")
            await post_transfer(
                session,
                TransferRequest(
                    id=corrected, debit_account_id=debit, credit_account_id=credit,
                    amount_minor=amount_minor, currency=pool.currency, reason=reason,
                    period=decision.period, memo=f"appeal {appeal.id}",
                ),
            )  # fmt: skip
            transfer_ids.append(str(corrected))
        replacement_id = ids.derived_id("appeal", appeal.id, "decision")
        new_kind = "payout_refused" if kind == "payout" and amount_minor == 0 else kind
        replacement = Decision(
            id=replacement_id, run_id=decision.run_id, pool_id=decision.pool_id,
            membership_id=decision.membership_id, worker_id=decision.worker_id,
            period=decision.period, kind=new_kind,
            reference=ids.reference(replacement_id), amount_minor=amount_minor,
            currency=decision.currency, reason="appeal_changed",
            explanation=["appeal_changed", *decision.explanation[:1]],
            inputs=decision.inputs,
            factors={"appeal_id": str(appeal.id), "replaced_amount_minor": decision.amount_minor,
                     "replaced_reference": decision.reference},
            model_id=decision.model_id, transfer_ids=transfer_ids, replaces_id=decision.id,
            created_at=at,
        )  # fmt: skip
        session.add(replacement)
        await session.flush()
    return replacement


async def pool_health(session: AsyncSession, pool: Pool, now: datetime | None = None) -> HealthOut:
    """The pool's health as the monthly run left it, with the appeals waiting on its
    administrators: pages and the API show the same figures."""
    at = now or utcnow()
    health = await runs_service.pool_health(session, pool, at.date())
    open_, overdue = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((Appeal.deadline_at < at, 1), else_=0)), 0),
            ).where(Appeal.pool_id == pool.id, Appeal.status == "open")
        )
    ).one()
    return msgspec.structs.replace(health, appeals_open=int(open_), appeals_overdue=int(overdue))
