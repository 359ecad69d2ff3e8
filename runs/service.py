"""Reads of what the run stored: a worker's plan and decisions, a pool's runs and health.

Nothing here recomputes a figure: plans, decisions and health are shown as the run wrote
them, so the web page, the SMS reply and the API agree, and an appeal argues about what was
actually decided.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationFailed
from core.periods import Period
from i18n import render_web
from pools import ledger_queries
from pools import repository as pool_repository
from pools.ledger_queries import accounts_by_kind, accounts_for_worker
from pools.models import Pool
from runs import repository
from runs.errors import DecisionNotFound, NoPlanYet, RunNotFound
from runs.models import DECISION_KINDS, Decision, MemberPlan, MonthlyRun, PoolHealth
from runs.posting import low_month_cover
from runs.schemas import (
    DecisionOut,
    DecisionsOut,
    ForecastMonthOut,
    HealthOut,
    MonthFlowOut,
    PlanOut,
    RunOut,
    RunsOut,
    SavingsTargetOut,
    SolvencyOut,
)

PAGE_DEFAULT = 20
PAGE_MAX = 100
COLLECTED = ("contribution", "catchup", "arrears_settled")


def explanation_values(decision: Decision) -> dict[str, Period | str]:
    """The values of `decision.explanation` for a decision: the web, the API and an SMS
    reply to WHY all say the same two factors."""
    first, second = [*decision.explanation, "income_volatile", "income_volatile"][:2]
    return {
        "period": Period.parse(decision.period),
        "factor_1": first,
        "factor_2": second,
        "reference": decision.reference,
    }


def why(decision: Decision, language: str) -> str:
    return render_web("decision.explanation", language, **explanation_values(decision))


def decision_out(decision: Decision, language: str, *, full: bool = False) -> DecisionOut:
    return DecisionOut(
        id=decision.id,
        reference=decision.reference,
        pool_id=decision.pool_id,
        period=decision.period,
        kind=decision.kind,
        amount_minor=decision.amount_minor,
        currency=decision.currency,
        reason=decision.reason,
        why=why(decision, language),
        factors=decision.factors if full else None,
        inputs=decision.inputs if full else None,
        model_id=decision.model_id if full else None,
        transfer_ids=decision.transfer_ids if full else None,
        created_at=decision.created_at,
    )


async def worker_plan(
    session: AsyncSession, worker_id: uuid.UUID, pool_id: uuid.UUID | None, language: str
) -> PlanOut:
    """The worker's plan from the last run of their pool (or of the pool named)."""
    plan = await repository.latest_plan(session, worker_id, pool_id)
    if plan is None:
        raise NoPlanYet("no month has been run for you yet")
    accounts = {
        a.kind: a.balance_minor for a in await accounts_for_worker(session, worker_id, plan.pool_id)
    }
    balance = accounts.get("member_savings", 0)
    decisions = await repository.decisions_of(
        session, worker_id, pool_id=plan.pool_id, period=plan.period
    )
    since = str(Period.parse(plan.period).shift(-11))
    payouts = await repository.decisions_of(
        session, worker_id, pool_id=plan.pool_id, since=since, kinds=("payout",)
    )
    by_kind = {d.kind: d for d in decisions}
    relief = by_kind.get("relief")
    target = plan.savings_target_minor
    return PlanOut(
        pool_id=plan.pool_id,
        period=plan.period,
        currency=plan.currency,
        language=language,
        model_id=plan.model_id,
        income_reported=plan.income_reported,
        income_minor=plan.income_minor,
        baseline_minor=plan.baseline_minor,
        forecast=[
            ForecastMonthOut(
                month=m["month"], p10_minor=m["p10"], p50_minor=m["p50"], p90_minor=m["p90"]
            )
            for m in plan.forecast
        ],
        savings_target=SavingsTargetOut(
            amount_minor=target,
            level=plan.savings_level,
            horizon_months=plan.savings_horizon_months,
            balance_minor=balance,
            progress_percent=100 if target <= 0 else min(999, balance * 100 // target),
            set_aside_minor=plan.set_aside_minor,
        ),
        contribution_charged_minor=plan.paid_now_minor + plan.catchup_due_minor,
        contribution_owed_minor=accounts.get("member_arrears", 0),
        relief=decision_out(relief, language) if relief else None,
        catchup_due_next_minor=_catchup_next(plan),
        low_month_ahead=plan.low_month_ahead,
        low_month_set_aside_minor=low_month_cover(plan) if plan.low_month_ahead else 0,
        payouts_last_12_minor=sum(d.amount_minor for d in payouts),
        decisions=[
            decision_out(d, language)
            for d in sorted(decisions, key=lambda d: DECISION_KINDS.index(d.kind))
        ],
        payouts_last_12=[decision_out(d, language) for d in payouts],
    )


def _catchup_next(plan: MemberPlan) -> int:
    """This month's own deferral's first instalment (earlier ones show in next month's plan)."""
    return plan.catchup_schedule_minor[0] if plan.catchup_schedule_minor else 0


def _cursor(decision: Decision) -> str:
    return f"{decision.period}~{decision.id}"


def _parse_cursor(cursor: str | None) -> tuple[str, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        period, raw = cursor.split("~", 1)
        return str(Period.parse(period)), uuid.UUID(raw)
    except (ValueError, ValidationFailed):
        raise ValidationFailed("cursor is not one this API gave out", field="cursor") from None


async def worker_decisions(
    session: AsyncSession, worker_id: uuid.UUID, language: str, cursor: str | None, limit: int
) -> DecisionsOut:
    if not 1 <= limit <= PAGE_MAX:
        raise ValidationFailed(f"limit must be from 1 to {PAGE_MAX}", field="limit")
    rows = await repository.decisions_of(
        session, worker_id, after=_parse_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return DecisionsOut(
        items=[decision_out(d, language) for d in page],
        next_cursor=_cursor(page[-1]) if len(rows) > limit else None,
    )


async def worker_decision(
    session: AsyncSession, worker_id: uuid.UUID, decision_id: uuid.UUID, language: str
) -> DecisionOut:
    decision = await repository.decision_of(session, worker_id, decision_id)
    if decision is None:
        raise DecisionNotFound(f"decision {decision_id} does not exist")
    return decision_out(decision, language, full=True)


def run_out(run: MonthlyRun) -> RunOut:
    return RunOut(
        id=run.id,
        pool_id=run.pool_id,
        period=run.period,
        status=run.status,
        step=run.step,
        trigger=run.trigger,
        members_total=run.members_total,
        members_done=run.members_done,
        attempts=run.attempts,
        counts=dict(run.counts),
        totals=dict(run.totals),
        report=dict(run.report),
        error=run.error,
        model_id=run.model_id,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


async def pool_runs(session: AsyncSession, pool: Pool, limit: int = 24) -> RunsOut:
    return RunsOut(
        items=[run_out(r) for r in await repository.runs_of_pool(session, pool.id, limit)]
    )


async def pool_run(session: AsyncSession, pool: Pool, run_id: uuid.UUID) -> RunOut:
    run = await repository.run_of_pool(session, pool.id, run_id)
    if run is None:
        raise RunNotFound(f"run {run_id} does not exist in this pool")
    return run_out(run)


def solvency_out(health: PoolHealth) -> SolvencyOut:
    return SolvencyOut(
        period=health.period,
        ruin_probability=health.ruin_probability,
        ruin_standard_error=health.ruin_standard_error,
        target_ruin_probability=health.target_ruin_probability,
        current_rate_bp=health.current_rate_bp,
        solved_rate_bp=health.solved_rate_bp,
        pricing_outcome=health.pricing_outcome,
        recommend_rate_change=health.recommend_rate_change,
        expected_payouts_12_minor=sum(health.expected_payouts_minor),
        expected_contributions_12_minor=sum(health.expected_contributions_minor),
        fan=dict(health.fan),
        factors=dict(health.factors),
        model_id=health.model_id,
    )


async def pool_health(session: AsyncSession, pool: Pool, today: date) -> HealthOut:
    accounts = await accounts_by_kind(session, pool.id, None)
    reserve = accounts["reserve"].balance_minor if "reserve" in accounts else 0
    health = await repository.latest_health(session, pool.id)
    this_month = Period.of(today)
    first = this_month.shift(-12)
    collected = await ledger_queries.flows_by_period(session, pool.id, COLLECTED, str(first))
    paid = await ledger_queries.flows_by_period(session, pool.id, ("smoothing_payout",), str(first))
    arrears, in_arrears = await ledger_queries.arrears_of_pool(session, pool.id)
    waiting_since = this_month.shift(-pool.waiting_period_months).first_day
    runs = await repository.runs_of_pool(session, pool.id, 1)
    return HealthOut(
        pool_id=pool.id,
        currency=pool.currency,
        reserve_minor=reserve,
        members=await pool_repository.count_active_members(session, pool.id),
        solvency=solvency_out(health) if health else None,
        flows_last_12=[
            MonthFlowOut(
                period=str(p),
                contributions_minor=collected.get(str(p), 0),
                payouts_minor=paid.get(str(p), 0),
            )
            for p in (first.shift(k) for k in range(12))
        ],
        arrears_minor=arrears,
        members_in_arrears=in_arrears,
        members_in_waiting_period=await pool_repository.members_joined_since(
            session, pool.id, waiting_since
        ),
        last_run=run_out(runs[0]) if runs else None,
    )
