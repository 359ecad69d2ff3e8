"""What the run's reads return: the worker's plan and decisions, the pool's runs and health.

The same structs serve the JSON API, the SMS channel and the pages, so each shows the same
figures; amounts are minor units of `currency`, probabilities are shares (0.004 = 0.4%).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec


class ForecastMonthOut(msgspec.Struct, kw_only=True):
    month: str
    p10_minor: int
    p50_minor: int
    p90_minor: int


class SavingsTargetOut(msgspec.Struct, kw_only=True):
    amount_minor: int
    level: float
    """Probability the target covers the shortfalls of its horizon."""
    horizon_months: int
    balance_minor: int
    progress_percent: int
    set_aside_minor: int
    """Monthly saving that reaches the target over its horizon."""


class DecisionOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    """Text `WHY <reference>` or `APPEAL <reference>` to Mutua about this decision."""
    pool_id: uuid.UUID
    period: str
    kind: str
    amount_minor: int
    currency: str
    reason: str
    why: str
    """The explanation in the worker's language."""
    factors: dict[str, Any] | None = None
    inputs: dict[str, Any] | None = None
    model_id: str | None = None
    transfer_ids: list[str] | None = None
    created_at: datetime


class DecisionsOut(msgspec.Struct, kw_only=True):
    items: list[DecisionOut]
    next_cursor: str | None
    """Pass as `cursor` for the next page; null on the last page."""


class PlanOut(msgspec.Struct, kw_only=True):
    pool_id: uuid.UUID
    period: str
    """The month the plan was made for (the last month run)."""
    currency: str
    language: str
    model_id: str
    income_reported: bool
    income_minor: int
    baseline_minor: int
    forecast: list[ForecastMonthOut]
    savings_target: SavingsTargetOut
    contribution_charged_minor: int
    contribution_owed_minor: int
    """Owed to the pool now (settled first from the next savings)."""
    relief: DecisionOut | None
    catchup_due_next_minor: int
    """Catch-up instalments of deferred contributions due next month."""
    low_month_ahead: bool
    """Next month looks low (its p25 below the baseline less the deductible)."""
    low_month_set_aside_minor: int
    """What to put aside now to cover that month's likely gap (0 when none is expected)."""
    payouts_last_12_minor: int
    decisions: list[DecisionOut]
    """This period's decisions, each with its `why`."""
    payouts_last_12: list[DecisionOut]


class RunOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    pool_id: uuid.UUID
    period: str
    status: str
    step: str
    trigger: str
    members_total: int
    members_done: int
    attempts: int
    counts: dict[str, int]
    totals: dict[str, int]
    report: dict[str, Any]
    error: str | None
    model_id: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RunsOut(msgspec.Struct, kw_only=True):
    items: list[RunOut]


class RunIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    period: str
    """The month to run, `YYYY-MM`; it must be over in the pool's time zone."""


class MonthFlowOut(msgspec.Struct, kw_only=True):
    period: str
    contributions_minor: int
    payouts_minor: int


class SolvencyOut(msgspec.Struct, kw_only=True):
    period: str
    ruin_probability: float
    ruin_standard_error: float
    target_ruin_probability: float
    current_rate_bp: int
    solved_rate_bp: int
    pricing_outcome: str
    recommend_rate_change: bool
    expected_payouts_12_minor: int
    expected_contributions_12_minor: int
    fan: dict[str, Any]
    """Reserve quantiles by month (`months`, `p05` ... `p95`), minor units."""
    factors: dict[str, float]
    model_id: str


class HealthOut(msgspec.Struct, kw_only=True):
    pool_id: uuid.UUID
    currency: str
    reserve_minor: int
    members: int
    solvency: SolvencyOut | None
    """From the last run; null before the first."""
    flows_last_12: list[MonthFlowOut]
    arrears_minor: int
    members_in_arrears: int
    members_in_waiting_period: int
    last_run: RunOut | None
    appeals_open: int = 0
    """Appeals waiting for an administrator's decision."""
    appeals_overdue: int = 0
    """Of those, the ones past the answer the co-op promised: they should be answered first."""
