"""Running a pool's month: the steps in order, resumable, shared, and exactly once.

The run row (one per pool and period) records the step reached. Serial steps (close, model,
plans, solvency) are done by the runner holding the run's lease, renewed while it works, so
two schedulers, or a click during the scheduled run, never do them twice; a runner that dies
loses the lease after `lease_seconds` and the next one resumes at the recorded step. The
posting steps are split into chunks of members, each a row that a runner locks (`FOR UPDATE
SKIP LOCKED` on PostgreSQL), does and marks done in one transaction: several runners share
them, a crash loses only the chunk in flight, and the next runner redoes it. Every id the
run posts is derived from (pool, period, member, kind), which makes even a redone chunk a
replay rather than a second movement.

This is the outbox's own claim pattern extended to work items, rather than a job library:
the run's state must live in the same transaction as the money it moves, and the job
libraries that serve both PostgreSQL and SQLite do not offer that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actuarial.benefits import share_on_benefit
from audit import Actor, record
from benefits.run import claim_history, month_benefits, tier_levels, waives_contributions
from benefits.votes import apply_tier_changes
from core.clock import utcnow
from core.errors import InvalidPeriod, NotFound
from core.periods import Period
from pools.ledger import ensure_member_accounts, open_pool_accounts
from pools.ledger_queries import member_balances
from pools.models import Pool
from pools.rule_changes import apply_due
from runs import repository
from runs.config import RunConfig
from runs.errors import EarlierRunUnfinished, PeriodNotClosed
from runs.fits import ChosenFit, choose_fit, loaded
from runs.ids import decision_id
from runs.inputs import ClosedIncome, Members, load_income, load_members, months_between
from runs.models import (
    CHUNKED_STEPS,
    MemberPlan,
    ModelFit,
    MonthlyRun,
    PoolHealth,
    PricingSnapshot,
    RunChunk,
)
from runs.planning import BenefitInputs, Carried, MonthPlan, plan_month
from runs.posting import ChunkResult, post_contributions, post_payouts
from runs.solvency import assess, snapshot_bytes

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
Progress = Callable[[MonthlyRun], None]


@dataclass(frozen=True)
class RunOutcome:
    run_id: uuid.UUID
    status: str
    """`succeeded`, `already_done` (nothing changed) or `busy` (another runner has it)."""
    run: MonthlyRun


def cutoff_at(pool: Pool, period: Period) -> datetime:
    """The end of the pool's cut-off day in the month after the period, in its time zone."""
    nxt = period.shift(1)
    local = datetime(nxt.year, nxt.month, pool.income_cutoff_day, tzinfo=ZoneInfo(pool.timezone))
    return local + timedelta(days=1)


def check_period(pool: Pool, period: Period, now: datetime) -> None:
    """A run is for a month that is over, in the pool's zone, and not before the pool."""
    if period >= Period.current(pool.timezone, now):
        raise PeriodNotClosed(f"{period} is not over yet in {pool.timezone}")
    created = Period.current(pool.timezone, pool.created_at)
    if months_between(period, created) > 36:
        raise InvalidPeriod(f"{period} is long before the pool existed", field="period")


@dataclass
class _State:
    """What the serial steps computed, kept while one runner does them in a row."""

    members: Members
    income: ClosedIncome
    chosen: ChosenFit | None = None
    plan: MonthPlan | None = None


class MonthlyRunner:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: RunConfig | None = None,
        *,
        progress: Progress | None = None,
    ) -> None:
        self.sessions = sessions
        self.config = config or RunConfig()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.progress = progress
        self._state: _State | None = None

    # -- starting ---------------------------------------------------------------------------
    async def start(
        self, pool_id: uuid.UUID, period: Period, trigger: str = "command"
    ) -> MonthlyRun:
        """The run row for (pool, period), created on first call; refusals are problems."""
        async with self.sessions() as session:
            pool = await session.get(Pool, pool_id)
            if pool is None:
                raise NotFound(f"pool {pool_id} does not exist")
            check_period(pool, period, utcnow())
            earlier = await repository.unfinished_before(session, pool_id, str(period))
            if earlier is not None:
                raise EarlierRunUnfinished(
                    f"the run for {earlier.period} has not finished ({earlier.status} at "
                    f"{earlier.step}); resume it first",
                    run_id=str(earlier.id),
                )
            run = await repository.run_for(session, pool_id, str(period))
            if run is not None:
                return run
            run = MonthlyRun(pool_id=pool_id, period=str(period), trigger=trigger)
            try:
                async with session.begin_nested():
                    session.add(run)
                    await session.flush()
                await session.commit()
            except IntegrityError:  # started at the same moment elsewhere: that one it is
                await session.rollback()
                found = await repository.run_for(session, pool_id, str(period))
                assert found is not None
                return found
            return run

    async def run(
        self,
        pool_id: uuid.UUID,
        period: Period,
        *,
        trigger: str = "command",
        wait: bool = True,
    ) -> RunOutcome:
        """Run (or resume, or join) the pool's month until it is done.

        With `wait=False` a run another live runner holds in a serial step is left to it
        and the outcome is `busy`; with `wait=True` this runner waits and then helps with
        the chunks.
        """
        run = await self.start(pool_id, period, trigger)
        if run.status == "succeeded":
            return RunOutcome(run.id, "already_done", run)
        self._state = None
        try:
            while True:
                run = await self._refresh(run.id)
                if run.status == "succeeded":
                    return RunOutcome(run.id, "succeeded", run)
                if run.step in CHUNKED_STEPS:
                    await self._chunked_step(run)
                    continue
                async with self._lease(run) as held:
                    if held:
                        await self._serial_step(run.id)
                        continue
                if not wait:
                    return RunOutcome(run.id, "busy", run)
                await asyncio.sleep(POLL_SECONDS)
        except Exception as exc:
            await self._fail(run.id, exc)
            raise

    # -- bookkeeping ------------------------------------------------------------------------
    async def _refresh(self, run_id: uuid.UUID) -> MonthlyRun:
        async with self.sessions() as session:
            run = await session.get(MonthlyRun, run_id, populate_existing=True)
            assert run is not None
            if run.status == "failed":
                run.status = "running"
                run.error = None
                run.attempts += 1
                run.updated_at = utcnow()
                await session.commit()
            if self.progress is not None:
                self.progress(run)
            return run

    async def _fail(self, run_id: uuid.UUID, exc: BaseException) -> None:
        log.exception("monthly run %s failed", run_id)
        async with self.sessions() as session:
            await session.execute(
                update(MonthlyRun)
                .where(MonthlyRun.id == run_id)
                .values(
                    status="failed",
                    error=f"{type(exc).__name__}: {exc}"[:2000],
                    updated_at=utcnow(),
                )
            )
            await repository.release_lease(session, run_id, self.owner)
            await session.commit()

    @contextlib.asynccontextmanager
    async def _lease(self, run: MonthlyRun) -> AsyncIterator[bool]:
        """Hold the run's lease for a serial step, renewing it until the step is done."""
        now = utcnow()
        until = now + timedelta(seconds=self.config.lease_seconds)
        async with self.sessions() as session:
            held = await repository.take_lease(session, run.id, self.owner, now, until)
            await session.commit()
        if not held:
            yield False
            return
        renewer = asyncio.create_task(self._renew(run.id))
        try:
            yield True
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    async def _renew(self, run_id: uuid.UUID) -> None:
        while True:
            await asyncio.sleep(max(self.config.lease_seconds / 3, 0.2))
            now = utcnow()
            async with self.sessions() as session:
                await repository.take_lease(
                    session, run_id, self.owner, now,
                    now + timedelta(seconds=self.config.lease_seconds),
                )  # fmt: skip
                await session.commit()

    async def _advance(
        self, session: AsyncSession, run: MonthlyRun, step: str, **values: Any
    ) -> None:
        """Move the run to `step`, noting how long the step it leaves took (wall clock,
        across resumes), for the administrators' run page and the benchmark."""
        now = utcnow()
        report = dict(values.pop("report", run.report))
        since = report.get("step_started_at")
        began = datetime.fromisoformat(since) if since else run.created_at
        seconds = dict(report.get("seconds", {}))
        seconds[run.step] = round((now - began).total_seconds(), 3)
        report["seconds"] = seconds
        report["step_started_at"] = now.isoformat()
        run.report = report
        run.step = step
        run.members_done = 0
        run.updated_at = now
        for name, value in values.items():
            setattr(run, name, value)
        if step == "done":
            run.status = "succeeded"
            run.finished_at = now
            run.lease_owner = None
            run.lease_expires_at = None
        await session.commit()
        self.config.checkpoint(f"entered:{step}")

    # -- serial steps -------------------------------------------------------------------------
    async def _serial_step(self, run_id: uuid.UUID) -> None:
        """One serial step under the lease. Heavy work (a fit, the forecast, pricing) runs
        between transactions, so the database stays writable for the web process meanwhile
        (on SQLite a transaction holds the only write lock)."""
        bank_sync = await self._sync_banks(run_id)
        async with self.sessions() as session:
            run = await session.get(MonthlyRun, run_id, populate_existing=True)
            assert run is not None
            pool = await session.get(Pool, run.pool_id)
            assert pool is not None
            step = run.step
            self.config.checkpoint(f"before:{step}")
            if bank_sync is not None:
                run.report = {**run.report, "bank_sync": bank_sync}
            if step == "close":
                await self._close(session, run, pool)
            elif step == "model":
                await self._model(session, run, pool)
            elif step == "plans":
                await self._plans(session, run, pool)
            elif step == "solvency":
                await self._solvency(session, run, pool)

    async def _sync_banks(self, run_id: uuid.UUID) -> dict[str, int] | None:
        """Before income closes, bring the members' linked banks up to date (outside any
        transaction: it waits on Plaid). Once per run: a closed run never syncs again."""
        if self.config.bank_sync is None:
            return None
        async with self.sessions() as session:
            run = await session.get(MonthlyRun, run_id, populate_existing=True)
            assert run is not None
            if run.step != "close" or run.income_closed_at is not None:
                return None
            pool_id = run.pool_id
        try:
            return await self.config.bank_sync(self.sessions, pool_id)
        except Exception:  # a bank outage must not stop the month
            log.exception("bank sync before the run of pool %s failed", pool_id)
            return {"failed": 1}

    async def _close(self, session: AsyncSession, run: MonthlyRun, pool: Pool) -> None:
        period = Period.parse(run.period)
        now = utcnow()
        for change in await apply_due(session, pool, run.period):  # adopted rules, on time
            await apply_tier_changes(session, pool.id, change.changes)
            record(
                session, Actor.system("monthly run"), "rules.changed", pool_id=pool.id,
                target_kind="rule_change", target_id=change.id,
                details={"changes": change.changes, "source": change.source, "period": run.period},
            )  # fmt: skip
        closed_at = run.income_closed_at or min(now, cutoff_at(pool, period))
        state = await self._load(session, run, pool, closed_at)
        report = dict(run.report)
        report["income_closed_at"] = closed_at.isoformat()
        report["members_without_income"] = int((~state.income.reported).sum())
        if state.income.other_currency_records:
            report["income_records_in_other_currencies"] = state.income.other_currency_records
        if state.members.n == 0:  # nothing to decide: the month is done as soon as closed
            report["note"] = "no active members in the period"
            await self._advance(
                session, run, "done", income_closed_at=closed_at, members_total=0,
                started_at=run.started_at or now, report=report,
            )  # fmt: skip
            return
        await self._advance(
            session, run, "model",
            income_closed_at=closed_at, members_total=state.members.n,
            started_at=run.started_at or now, report=report,
        )  # fmt: skip

    async def _load(
        self, session: AsyncSession, run: MonthlyRun, pool: Pool, closed_at: datetime
    ) -> _State:
        if self._state is None:
            period = Period.parse(run.period)
            members = await load_members(session, pool, period)
            income = await load_income(session, pool, period, members, closed_at)
            self._state = _State(members, income)
        return self._state

    async def _fit(self, session: AsyncSession, run: MonthlyRun, pool: Pool) -> ChosenFit:
        assert run.income_closed_at is not None
        state = await self._load(session, run, pool, run.income_closed_at)
        if state.chosen is None:
            if run.fit_id is not None:
                fit = await session.get(ModelFit, run.fit_id)
                assert fit is not None
                state.chosen = ChosenFit(loaded(fit), fit)
            else:
                state.chosen = await choose_fit(
                    session, pool, Period.parse(run.period), state.income.history,
                    run.income_closed_at, self.config,
                )  # fmt: skip
        return state.chosen

    async def _model(self, session: AsyncSession, run: MonthlyRun, pool: Pool) -> None:
        chosen = await self._fit(session, run, pool)
        report = {**run.report, "model": chosen.notes, "fit_scope": chosen.fit.scope}
        await self._advance(
            session, run, "plans", fit_id=chosen.fit.id, model_id=chosen.fit.model_id,
            report=report,
        )  # fmt: skip

    async def _plan(self, session: AsyncSession, run: MonthlyRun, pool: Pool) -> MonthPlan:
        chosen = await self._fit(session, run, pool)
        state = self._state
        assert state is not None
        if state.plan is None:
            period = Period.parse(run.period)
            members = state.members
            accounts = await open_pool_accounts(session, pool)
            await ensure_member_accounts(session, pool, members.worker_ids)
            balances = await member_balances(session, pool.id)
            carried = await _carried(session, pool, period, members, balances)
            await session.commit()
            state.plan = await asyncio.to_thread(
                plan_month, pool, period, members, state.income, chosen.model, carried,
                accounts.reserve.balance_minor,
            )  # fmt: skip
        return state.plan

    async def _plans(self, session: AsyncSession, run: MonthlyRun, pool: Pool) -> None:
        plan = await self._plan(session, run, pool)
        await session.commit()  # the accounts just opened, before the chunks of plans
        assert run.model_id is not None
        done = await repository.planned_memberships(session, run.id)
        todo = [row for row in plan.rows if row["membership_id"] not in done]
        size = self.config.chunk_size
        for k in range(0, len(todo), size):
            rows = [
                {
                    **row,
                    "id": uuid.uuid4(),
                    "run_id": run.id,
                    "pool_id": pool.id,
                    "period": run.period,
                    "model_id": run.model_id,
                    "currency": pool.currency,
                    "created_at": utcnow(),
                }
                for row in todo[k : k + size]
            ]
            await repository.insert_rows(session, MemberPlan, rows)
            run.members_done = len(done) + k + len(rows)
            run.updated_at = utcnow()
            await session.commit()
            self.config.checkpoint(f"after:chunk:plans:{k // size}")
            if self.progress is not None:
                self.progress(run)
        await self._advance(session, run, "solvency")

    async def _solvency(self, session: AsyncSession, run: MonthlyRun, pool: Pool) -> None:
        existing = await repository.health_for(session, pool.id, run.period)
        if existing is None:
            plan = await self._plan(session, run, pool)
            accounts = await open_pool_accounts(session, pool)
            reserve = accounts.reserve.balance_minor
            projected = reserve + plan.planned_collected_minor - plan.planned_payouts_minor
            assert run.model_id is not None
            await session.commit()
            health = await assess(plan, pool, projected, self.config)
            snapshot = await asyncio.to_thread(snapshot_bytes, plan)
            if snapshot is not None:
                session.add(
                    PricingSnapshot(
                        run_id=run.id, pool_id=pool.id, period=run.period,
                        reserve_minor=projected, data=snapshot,
                    )
                )  # fmt: skip
            session.add(
                PoolHealth(
                    run_id=run.id, pool_id=pool.id, period=run.period, model_id=run.model_id,
                    currency=pool.currency, **health,
                )
            )  # fmt: skip
            await repository.create_chunks(
                session, run.id, CHUNKED_STEPS, run.members_total, self.config.chunk_size
            )
            report = {**run.report}
            if health["recommend_rate_change"]:
                report["recommendation"] = {
                    "current_rate_bp": health["current_rate_bp"],
                    "solved_rate_bp": health["solved_rate_bp"],
                }
            run.report = report
        await self._advance(session, run, "contributions")

    # -- chunked steps ----------------------------------------------------------------------
    async def _chunked_step(self, run: MonthlyRun) -> None:
        """Claim and do chunks of the step until none is left, then move the run on."""
        step = run.step
        while True:
            async with self.sessions() as session:
                chunk = await repository.claim_chunk(session, run.id, step)
                if chunk is None:
                    left = await repository.chunks_left(session, run.id, step)
                    await session.rollback()
                    if left:  # others hold the last chunks: wait for them to commit
                        await asyncio.sleep(POLL_SECONDS)
                        continue
                    await self._finish_chunked(run.id, step)
                    return
                self.config.checkpoint(f"before:chunk:{step}:{chunk.index}")
                result = await self._do_chunk(session, run, chunk)
                chunk.status = "done"
                chunk.done_by = self.owner
                chunk.done_at = utcnow()
                locked = await repository.lock_run(session, run.id)
                _accumulate(locked, result, chunk)
                await session.commit()
                self.config.checkpoint(f"after:chunk:{step}:{chunk.index}")
                if self.progress is not None:
                    self.progress(locked)

    async def _do_chunk(
        self, session: AsyncSession, run: MonthlyRun, chunk: RunChunk
    ) -> ChunkResult:
        pool = await session.get(Pool, run.pool_id)
        assert pool is not None
        fresh = await session.get(MonthlyRun, run.id, populate_existing=True)
        assert fresh is not None
        plans = await repository.plans_in_range(
            session, run.id, chunk.first_ordinal, chunk.last_ordinal
        )
        phones = await repository.phones_of(session, [p.worker_id for p in plans])
        accounts = await open_pool_accounts(session, pool)
        post = post_contributions if chunk.step == "contributions" else post_payouts
        return await post(session, fresh, pool, accounts, plans, phones)

    async def _finish_chunked(self, run_id: uuid.UUID, step: str) -> None:
        async with self.sessions() as session:
            run = await repository.lock_run(session, run_id)
            if run.step != step:  # another runner moved it on first
                await session.rollback()
                return
            if step == "contributions":
                pool = await session.get(Pool, run.pool_id)
                assert pool is not None
                accounts = await open_pool_accounts(session, pool)
                due = await repository.payout_due_total(session, run.id)
                reserve = accounts.reserve.balance_minor
                # Benefits are paid first (in full, or shared pro rata if the reserve is
                # short); smoothing payouts share what is left.
                benefits = await repository.benefit_due_total(session, run.id)
                report = {
                    **run.report,
                    "benefits": {"due_minor": benefits, "available_minor": max(reserve, 0)},
                }
                await self._advance(
                    session, run, "payouts", payout_due_minor=due,
                    payout_available_minor=max(reserve - benefits, 0), report=report,
                )  # fmt: skip
            else:
                await self._advance(session, run, "done")


def _accumulate(run: MonthlyRun, result: ChunkResult, chunk: RunChunk) -> None:
    counts = dict(run.counts)
    totals = dict(run.totals)
    for name, value in result.counts.items():
        counts[name] = counts.get(name, 0) + value
    for name, value in result.totals.items():
        totals[name] = totals.get(name, 0) + value
    run.counts = counts
    run.totals = totals
    run.members_done += chunk.last_ordinal - chunk.first_ordinal + 1
    run.updated_at = utcnow()


async def _carried(
    session: AsyncSession,
    pool: Pool,
    period: Period,
    members: Members,
    balances: dict[tuple[uuid.UUID, str], int],
) -> Carried:
    baselines = await repository.previous_baselines(session, pool.id, period)
    used = await repository.payout_months_used(session, pool.id, period)
    due: dict[uuid.UUID, int] = {}
    sources: dict[uuid.UUID, list[str]] = {}
    for membership, deferred_in, schedule in await repository.deferrals(session, pool.id, period):
        k = months_between(Period.parse(deferred_in), period)
        if 1 <= k <= len(schedule):
            due[membership] = due.get(membership, 0) + int(schedule[k - 1])
            sources.setdefault(membership, []).append(
                str(decision_id(pool.id, deferred_in, membership, "relief"))
            )
    ms = members.membership_ids
    return Carried(
        benefits=await _benefits(session, pool, period, members),
        previous_baseline_minor=np.asarray([baselines.get(m, -1) for m in ms], dtype=np.int64),
        payout_months_used=np.asarray([used.get(m, 0) for m in ms], dtype=np.int64),
        catchup_due_minor=np.asarray([due.get(m, 0) for m in ms], dtype=np.int64),
        catchup_sources=[sources.get(m, []) for m in ms],
        savings_minor=np.asarray(
            [balances.get((w, "member_savings"), 0) for w in members.worker_ids], dtype=np.int64
        ),
        owed_minor=np.asarray(
            [balances.get((w, "member_arrears"), 0) for w in members.worker_ids], dtype=np.int64
        ),
    )


async def _benefits(
    session: AsyncSession, pool: Pool, period: Period, members: Members
) -> BenefitInputs | None:
    """The month's benefits for the plans: what each member is owed, whether their
    contribution is waived, their tiers' contributions, and the pool's claim history."""
    month = await month_benefits(session, pool, period, members.membership_ids)
    if not month.due and not month.premiums:
        return None
    ms = members.membership_ids
    due = [month.due.get(m) for m in ms]
    history = await claim_history(session, pool.id, period)
    levels = await tier_levels(session, pool.id)
    return BenefitInputs(
        due_minor=np.asarray([d.amount_minor if d else 0 for d in due], dtype=np.int64),
        factors=[d.factors if d else None for d in due],
        on_benefit=np.asarray([d is not None for d in due], dtype=bool),
        waived=np.asarray([bool(d and d.waive_contributions) for d in due], dtype=bool),
        premium_minor=np.asarray([month.premiums.get(m, 0) for m in ms], dtype=np.int64),
        premium_levels=[month.premium_levels.get(m, {}) for m in ms],
        level_minor=np.asarray(
            [
                sum(levels.get((k, lv), 0) for k, lv in month.premium_levels.get(m, {}).items())
                for m in ms
            ],
            dtype=np.int64,
        ),
        share_on_benefit=share_on_benefit(history.member_months, history.benefit_months),
        waive_rule=await waives_contributions(session, pool.id),
    )


async def pool_ids(session: AsyncSession) -> list[uuid.UUID]:
    return list(await session.scalars(select(Pool.id).order_by(Pool.created_at)))
