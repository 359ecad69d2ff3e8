"""An administrator decides an appeal: the decision stands, or the ledger is corrected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from appeals.review import AppealAlreadyDecided, AppealChangeRefused, decide_appeal
from appeals.service import AppealWindowClosed, file_appeal
from audit import Actor
from audit.models import AuditEvent
from notifications.models import OutboxMessage
from pools import ledger_queries
from pools.models import Administrator, Worker
from pools.viewer import Viewer
from runs.models import Decision
from runs.runner import MonthlyRunner
from tests.runs.conftest import FAST, Demo, reserve_of
from tests.runs.conftest import demo as demo  # the fixture, for the tests here

OPERATOR = Viewer(admin_id=None, is_operator=True)  # type: ignore[arg-type]


async def _run_month(demo: Demo) -> None:
    outcome = await MonthlyRunner(demo.sessions, FAST).run(demo.pool_id, demo.period)
    assert outcome.status == "succeeded"


async def _admin(session) -> tuple[Viewer, Actor]:  # type: ignore[no-untyped-def]
    admin = await session.scalar(select(Administrator))
    assert admin is not None
    viewer = Viewer(admin_id=admin.id, is_operator=admin.role == "operator")
    return viewer, Actor.administrator(admin.id, admin.email, "203.0.113.7")


async def _decision(session, kind: str) -> Decision:  # type: ignore[no-untyped-def]
    found = await session.scalar(
        select(Decision).where(Decision.kind == kind, Decision.amount_minor > 0).limit(1)
    )
    assert found is not None, f"the demo month made no {kind}"
    session.expunge(found)  # a detached copy: its fields survive the tests' rollbacks
    return found


async def _savings(session, decision: Decision) -> int:  # type: ignore[no-untyped-def]
    """The member's savings; `decision` is a plain copy (`_plain`) safe after a rollback."""
    accounts = await ledger_queries.accounts_by_kind(session, decision.pool_id, decision.worker_id)
    return accounts["member_savings"].balance_minor


async def test_a_changed_contribution_is_reversed_and_posted_again_with_a_new_decision(
    demo: Demo,
) -> None:
    await _run_month(demo)
    async with demo.sessions() as session:
        viewer, actor = await _admin(session)
        decision = await _decision(session, "contribution")
        worker = await session.get(Worker, decision.worker_id)
        assert worker is not None
        appeal, _created = await file_appeal(session, worker, decision.id, "I earned less", "api")
        await session.commit()
        savings, reserve = (
            await _savings(session, decision),
            await reserve_of(session, demo.pool_id),
        )
        lower = decision.amount_minor // 2
        review = await decide_appeal(
            session, viewer, actor, demo.pool_id, appeal.id, outcome="changed", amount_minor=lower
        )
        await session.commit()
        replacement = review.replacement
        assert replacement is not None and replacement.replaces_id == decision.id
        assert replacement.amount_minor == lower and replacement.kind == "contribution"
        refund = decision.amount_minor - lower
        assert await _savings(session, decision) == savings + refund
        assert await reserve_of(session, demo.pool_id) == reserve - refund
        assert set((await ledger_queries.balances_by_currency(session)).values()) == {0}
        assert set((await ledger_queries.transfer_sums_by_currency(session)).values()) == {0}
        assert review.appeal.status == "changed"
        assert [step["status"] for step in review.appeal.history] == ["open", "changed"]
        told = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedup_key == f"appeal-decided:{appeal.id}")
        )
        assert told is not None and told.template == "appeal.changed"
        entry = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "appeal.decided")
        )
        assert entry is not None and entry.client_address == "203.0.113.7"
        assert entry.details["amount_after_minor"] == lower
        with pytest.raises(AppealAlreadyDecided):
            await decide_appeal(
                session, viewer, actor, demo.pool_id, appeal.id, outcome="upheld",
                reason="rules_applied",
            )  # fmt: skip


async def test_an_upheld_appeal_moves_no_money_and_tells_the_member_why(demo: Demo) -> None:
    await _run_month(demo)
    async with demo.sessions() as session:
        viewer, actor = await _admin(session)
        decision = await _decision(session, "contribution")
        worker = await session.get(Worker, decision.worker_id)
        appeal, _ = await file_appeal(session, worker, decision.id, "", "sms")  # type: ignore[arg-type]
        await session.commit()
        appeal_id, language = appeal.id, worker.language  # type: ignore[union-attr]
        before = await _savings(session, decision)
        with pytest.raises(Exception) as no_reason:
            await decide_appeal(session, viewer, actor, demo.pool_id, appeal_id, outcome="upheld")
        assert getattr(no_reason.value, "slug", "") == "validation-failed"
        await session.rollback()
        review = await decide_appeal(
            session, viewer, actor, demo.pool_id, appeal_id, outcome="upheld",
            reason="income_as_reported", note="checked the statement",
        )  # fmt: skip
        await session.commit()
        assert review.replacement is None and review.appeal.status == "upheld"
        assert await _savings(session, decision) == before
        told = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedup_key == f"appeal-decided:{appeal_id}")
        )
        assert told is not None and told.template == "appeal.upheld"
        assert told.language == (language or told.language)


async def test_an_amount_that_cannot_change_is_refused_and_nothing_moves(demo: Demo) -> None:
    await _run_month(demo)
    async with demo.sessions() as session:
        viewer, actor = await _admin(session)
        decision = await _decision(session, "contribution")
        worker = await session.get(Worker, decision.worker_id)
        appeal, _ = await file_appeal(session, worker, decision.id, "", "api")  # type: ignore[arg-type]
        await session.commit()
        appeal_id, amount_decided = appeal.id, decision.amount_minor
        before = await _savings(session, decision)
        for amount in (None, amount_decided):
            with pytest.raises(AppealChangeRefused):
                await decide_appeal(
                    session, viewer, actor, demo.pool_id, appeal_id, outcome="changed",
                    amount_minor=amount,
                )  # fmt: skip
            await session.rollback()
        huge = before + amount_decided + 1
        with pytest.raises(Exception) as refused:
            await decide_appeal(
                session, viewer, actor, demo.pool_id, appeal_id, outcome="changed",
                amount_minor=huge,
            )  # fmt: skip
        assert getattr(refused.value, "slug", "") == "insufficient-funds"
        await session.rollback()
        assert await _savings(session, decision) == before
        assert (await session.scalars(select(AuditEvent))).all() == []


async def test_an_appeal_after_sixty_days_is_refused(demo: Demo) -> None:
    await _run_month(demo)
    async with demo.sessions() as session:
        decision = await _decision(session, "contribution")
        worker = await session.get(Worker, decision.worker_id)
        late = decision.created_at + timedelta(days=61)
        with pytest.raises(AppealWindowClosed):
            await file_appeal(session, worker, decision.id, "late", "api", now=late)  # type: ignore[arg-type]


async def test_the_audit_log_cannot_be_changed_or_deleted(demo: Demo) -> None:
    await _run_month(demo)
    async with demo.sessions() as session:
        viewer, actor = await _admin(session)
        decision = await _decision(session, "contribution")
        worker = await session.get(Worker, decision.worker_id)
        appeal, _ = await file_appeal(session, worker, decision.id, "", "api")  # type: ignore[arg-type]
        await decide_appeal(
            session, viewer, actor, demo.pool_id, appeal.id, outcome="upheld",
            reason="rules_applied",
        )  # fmt: skip
        await session.commit()
        for statement in (
            "UPDATE audit_events SET actor_label = 'someone else'",
            "DELETE FROM audit_events",
        ):
            with pytest.raises((DBAPIError, IntegrityError)):
                async with session.begin_nested():
                    await session.execute(text(statement))
        await session.rollback()
        assert len((await session.scalars(select(AuditEvent))).all()) == 1


async def test_pool_health_counts_open_appeals_and_those_past_their_deadline(demo: Demo) -> None:
    from appeals.review import pool_health
    from pools.models import Pool

    await _run_month(demo)
    async with demo.sessions() as session:
        decision = await _decision(session, "contribution")
        worker = await session.get(Worker, decision.worker_id)
        appeal, _ = await file_appeal(session, worker, decision.id, "", "api")  # type: ignore[arg-type]
        await session.commit()
        pool = await session.get(Pool, demo.pool_id)
        assert pool is not None
        soon = await pool_health(session, pool, appeal.created_at + timedelta(days=1))
        late = await pool_health(session, pool, appeal.deadline_at + timedelta(days=1))
    assert (soon.appeals_open, soon.appeals_overdue) == (1, 0)
    assert (late.appeals_open, late.appeals_overdue) == (1, 1)
