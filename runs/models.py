"""What the monthly run writes: fits, runs and their chunks, member plans, pool health, and
the decisions that explain every money movement.

Everything a channel, a page or an appeal shows about money is read from these tables, never
recomputed: a worker who asks WHY in March about January is answered from January's row.
Money is integer minor units of the pool's currency; shares and probabilities, which are
model outputs rather than money, are floats or basis points.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.clock import utcnow
from core.ids import new_id

RUN_STEPS = ("close", "model", "plans", "solvency", "contributions", "payouts", "done")
"""The run's steps, in order; `done` is where a finished run rests."""
RUN_STATUSES = ("running", "failed", "succeeded")
CHUNKED_STEPS = ("contributions", "payouts")
"""Steps done in chunks of members, each chunk a work item claimed by one runner."""
FIT_SCOPES = ("pool", "installation", "shipped")
FIT_STATUSES = ("ok", "rejected")
DECISION_KINDS = (
    "contribution",
    "relief",
    "catchup",
    "arrears_settlement",
    "payout",
    "payout_refused",
    "benefit",
    "benefit_claim",
)

_STEP_SQL = ", ".join(f"'{s}'" for s in RUN_STEPS)
_DECISION_SQL = ", ".join(f"'{k}'" for k in DECISION_KINDS)


class ModelFit(Base):
    """A population fit of the income model (stage one), stored so runs reuse it.

    The parameters are the model's own `.npz` serialisation; `model_id` names the model's
    configuration and code version, and a fit is only ever used by a model with the same id.
    A fit that failed its convergence checks is kept (status `rejected`) so the report can
    say why the previous one stayed in use.
    """

    __tablename__ = "model_fits"
    __table_args__ = (
        CheckConstraint("scope IN ('pool', 'installation', 'shipped')", name="scope"),
        CheckConstraint("status IN ('ok', 'rejected')", name="status"),
        Index("ix_model_fits_scope_key_fitted_at", "scope", "scope_key", "fitted_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(16))
    """`pool` (fitted on one pool's members), `installation` (every pool of one currency) or
    `shipped` (the prior fit that comes with the package)."""
    scope_key: Mapped[str] = mapped_column(String(64))
    """The pool id for `pool`, the currency for `installation`, `prior` for `shipped`."""
    model_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    fitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    window_start: Mapped[str | None] = mapped_column(String(7))
    window_end: Mapped[str | None] = mapped_column(String(7))
    n_workers: Mapped[int] = mapped_column(Integer, default=0)
    """Workers in the history the fit saw (the sample is drawn from them)."""
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    diagnostics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Divergences, the largest R-hat and, when rejected, why."""
    params: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The fit as `IncomeModel.to_bytes` writes it; empty for a rejected fit."""


class MonthlyRun(Base):
    """One pool's run for one period: where it is, who holds it, and what it did.

    A run is unique per (pool, period): starting it again finds this row, so a finished
    month is never run twice, and a failed one resumes at its step.
    """

    __tablename__ = "monthly_runs"
    __table_args__ = (
        UniqueConstraint("pool_id", "period"),
        CheckConstraint(f"step IN ({_STEP_SQL})", name="step"),
        CheckConstraint("status IN ('running', 'failed', 'succeeded')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"))
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(16), default="running")
    step: Mapped[str] = mapped_column(String(16), default="close")
    trigger: Mapped[str] = mapped_column(String(16), default="command")
    """`command`, `scheduler` or `api`: who asked for the run first."""
    income_closed_at: Mapped[datetime | None] = mapped_column()
    """Income recorded before this moment counts for the period; fixed at the first close so
    a resumed run reads the same income."""
    fit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("model_fits.id"))
    model_id: Mapped[str | None] = mapped_column(String(32))
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    """A runner renews its lease while it works; an expired lease (the runner died) may be
    taken over."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    members_total: Mapped[int] = mapped_column(Integer, default=0)
    members_done: Mapped[int] = mapped_column(Integer, default=0)
    """Members finished in the current step (plans written, or chunks posted)."""
    payout_due_minor: Mapped[int | None] = mapped_column(BigInteger)
    payout_available_minor: Mapped[int | None] = mapped_column(BigInteger)
    """Fixed when payouts start: each payout is due × available // due when the reserve is
    short, so a resumed run pays every member by the same factor."""
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    totals: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Notes an administrator should read: which fit was used and why, refits that failed,
    income in other currencies that was left out, a recommendation."""
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunChunk(Base):
    """A slice of a run's members for one chunked step: the unit of work and of recovery.

    A runner claims a chunk by locking its row (`FOR UPDATE SKIP LOCKED` on PostgreSQL),
    does the chunk's postings and marks it done in the same transaction, so a chunk is done
    exactly once however many runners share the run and whenever one of them dies.
    """

    __tablename__ = "run_chunks"
    __table_args__ = (
        UniqueConstraint("run_id", "step", "index"),
        CheckConstraint("status IN ('pending', 'done')", name="status"),
        Index("ix_run_chunks_run_id_step_status", "run_id", "step", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("monthly_runs.id"))
    step: Mapped[str] = mapped_column(String(16))
    index: Mapped[int] = mapped_column(Integer)
    first_ordinal: Mapped[int] = mapped_column(Integer)
    last_ordinal: Mapped[int] = mapped_column(Integer)
    """Members whose plan ordinal is in [first, last] belong to the chunk."""
    status: Mapped[str] = mapped_column(String(16), default="pending")
    done_by: Mapped[str | None] = mapped_column(String(64))
    done_at: Mapped[datetime | None] = mapped_column()


class MemberPlan(Base):
    """A member's month as the run decided it: forecast, target, and what is due.

    Written in the plans step before any money moves; the posting steps read only this row
    and the member's balances, so a resumed or shared run posts what was planned.
    """

    __tablename__ = "member_plans"
    __table_args__ = (
        UniqueConstraint("pool_id", "period", "membership_id"),
        UniqueConstraint("run_id", "ordinal"),
        Index("ix_member_plans_worker_id_period", "worker_id", "period"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("monthly_runs.id"))
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"))
    membership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("memberships.id"))
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workers.id"))
    period: Mapped[str] = mapped_column(String(7))
    ordinal: Mapped[int] = mapped_column(Integer)
    """Position of the member in the run (by membership id): chunks are ordinal ranges."""
    model_id: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(16))
    """The language the member's messages for this period are written in."""
    income_reported: Mapped[bool] = mapped_column(Boolean)
    income_minor: Mapped[int] = mapped_column(BigInteger)
    """The period's income recorded before the cut-off (0 when nothing was reported)."""
    history_months: Mapped[int] = mapped_column(Integer)
    months_of_membership: Mapped[int] = mapped_column(Integer)
    """Full months in the pool before this period (for the waiting period)."""
    payout_months_used: Mapped[int] = mapped_column(Integer)
    """Months with a payout among the 12 before this one."""
    baseline_minor: Mapped[int] = mapped_column(BigInteger)
    """The monthly income smoothing protects from next month on (forecast)."""
    decision_baseline_minor: Mapped[int] = mapped_column(BigInteger)
    """The baseline this period's payout and relief are judged against: the one set before
    the period (last month's plan, or a forecast from the history up to last month)."""
    savings_target_minor: Mapped[int] = mapped_column(BigInteger)
    savings_level: Mapped[float] = mapped_column(Float)
    savings_horizon_months: Mapped[int] = mapped_column(Integer)
    set_aside_minor: Mapped[int] = mapped_column(BigInteger)
    """Suggested monthly saving that reaches the target over its horizon from the balance
    at planning time."""
    forecast: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """The next months: `{"month", "p10", "p25", "p50", "p90"}` in minor units."""
    low_month_ahead: Mapped[bool] = mapped_column(Boolean, default=False)
    """Next month's p25 is below the baseline less the deductible: warn before the drop."""
    contribution_minor: Mapped[int] = mapped_column(BigInteger)
    """The month's contribution before relief (rate × income within the bounds)."""
    contribution_rate_bp: Mapped[int] = mapped_column(Integer)
    paid_now_minor: Mapped[int] = mapped_column(BigInteger)
    forgiven_minor: Mapped[int] = mapped_column(BigInteger)
    deferred_minor: Mapped[int] = mapped_column(BigInteger)
    catchup_schedule_minor: Mapped[list[int]] = mapped_column(JSON)
    """Instalments of this month's deferral, from next month."""
    relief_reason: Mapped[str] = mapped_column(String(32))
    relief_factors: Mapped[dict[str, Any]] = mapped_column(JSON)
    catchup_due_minor: Mapped[int] = mapped_column(BigInteger)
    """Instalments of earlier deferrals due this month."""
    catchup_sources: Mapped[list[str]] = mapped_column(JSON)
    """Ids of the relief decisions those instalments come from."""
    payout_due_minor: Mapped[int] = mapped_column(BigInteger)
    """Payout by the rules before any pro-rata scaling."""
    payout_reason: Mapped[str] = mapped_column(String(32))
    payout_factors: Mapped[dict[str, Any]] = mapped_column(JSON)
    benefit_due_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """A benefit claim's days in the month (and any unpaid before it), at its monthly level."""
    benefit_factors: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The claim, the days paid and why (`benefits.payments`); null without a benefit."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PricingSnapshot(Base):
    """What pricing saw at a run's solvency step (each member's income risk, tenure and
    payout months used, the projected reserve), so a proposed rule change can be priced
    later by the same engine on the same members, without refitting anything."""

    __tablename__ = "pricing_snapshots"

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("monthly_runs.id"), primary_key=True)
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    reserve_minor: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    """`numpy.savez_compressed` of the `MemberRisk` arrays and the pricing inputs."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PoolHealth(Base):
    """The pool's solvency as the run found it, at the rate in force and at the solved rate."""

    __tablename__ = "pool_health"
    __table_args__ = (UniqueConstraint("pool_id", "period"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("monthly_runs.id"))
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"))
    period: Mapped[str] = mapped_column(String(7))
    model_id: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    n_members: Mapped[int] = mapped_column(Integer)
    reserve_minor: Mapped[int] = mapped_column(BigInteger)
    """Reserve the projection starts from: today's, plus this month's planned contributions,
    less its planned payouts."""
    current_rate_bp: Mapped[int] = mapped_column(Integer)
    ruin_probability: Mapped[float] = mapped_column(Float)
    ruin_standard_error: Mapped[float] = mapped_column(Float)
    target_ruin_probability: Mapped[float] = mapped_column(Float)
    solved_rate_bp: Mapped[int] = mapped_column(Integer)
    pricing_outcome: Mapped[str] = mapped_column(String(40))
    recommend_rate_change: Mapped[bool] = mapped_column(Boolean)
    """The solved rate differs from the one in force by more than the setting: the pool's
    administrators decide; the run never changes the rate itself."""
    expected_contributions_minor: Mapped[list[int]] = mapped_column(JSON)
    expected_payouts_minor: Mapped[list[int]] = mapped_column(JSON)
    fan: Mapped[dict[str, Any]] = mapped_column(JSON)
    """`{"months": [...], "p05": [...], ..., "p95": [...]}`: reserve quantiles, minor units."""
    factors: Mapped[dict[str, float]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """One money decision about one member: the unit of explanation and of appeal.

    Its id is derived from (pool, period, member, kind), as are the ids of the transfers it
    posts, so a replayed run finds it rather than deciding again. A correction is a new
    decision naming the one it replaces, with reversing transfers; this row never changes.
    """

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_DECISION_SQL})", name="kind"),
        CheckConstraint("amount_minor >= 0", name="amount"),
        Index("ix_decisions_worker_id_created_at", "worker_id", "created_at"),
        Index("ix_decisions_worker_id_reference", "worker_id", "reference"),
        Index("ix_decisions_membership_id_period", "membership_id", "period"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("monthly_runs.id"))
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pools.id"))
    membership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("memberships.id"))
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workers.id"))
    period: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(24))
    reference: Mapped[str] = mapped_column(String(12))
    """Short code a worker can text (`WHY D-7KQ2M9XA`, `APPEAL D-7KQ2M9XA`)."""
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(32))
    """The engine's reason code (`eligible`, `waiting_period`, `low_month`, ...)."""
    explanation: Mapped[list[str]] = mapped_column(JSON)
    """The two `decision.factor` codes a worker is told, most important first."""
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    factors: Mapped[dict[str, Any]] = mapped_column(JSON)
    model_id: Mapped[str | None] = mapped_column(String(32))
    transfer_ids: Mapped[list[str]] = mapped_column(JSON)
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decisions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
