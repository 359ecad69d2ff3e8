"""What BALANCE, SAVE and WHY read, shared by SMS and USSD: the stored figures, never
recomputed (the run's plan and decisions, the ledger's balances)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from channels import repository
from core.money import Money
from pools.models import Pool
from runs import repository as runs_repository
from runs import service as runs_service
from runs.errors import NoPlanYet
from runs.models import Decision

REFERENCE = re.compile(r"^D-[0-9A-Z]{4,10}$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Balance:
    savings: Money
    paid: Money
    owed: Money


@dataclass(frozen=True, slots=True)
class Target:
    target: Money
    balance: Money
    progress_percent: int
    set_aside: Money


async def balance(session: AsyncSession, worker_id: uuid.UUID, pool: Pool) -> Balance:
    accounts, paid = await repository.balances(session, worker_id, pool.id)
    return Balance(
        savings=Money(accounts.get("member_savings", 0), pool.currency),
        paid=Money(paid, pool.currency),
        owed=Money(accounts.get("member_arrears", 0), pool.currency),
    )


async def target(
    session: AsyncSession, worker_id: uuid.UUID, pool: Pool, language: str
) -> Target | None:
    """The savings target of the worker's last plan in the pool; None before the first run."""
    try:
        plan = await runs_service.worker_plan(session, worker_id, pool.id, language)
    except NoPlanYet:
        return None
    saving = plan.savings_target
    return Target(
        target=Money(saving.amount_minor, plan.currency),
        balance=Money(saving.balance_minor, plan.currency),
        progress_percent=saving.progress_percent,
        set_aside=Money(saving.set_aside_minor, plan.currency),
    )


async def nth_decision(session: AsyncSession, worker_id: uuid.UUID, n: int) -> Decision | None:
    """The worker's n-th latest decision (1 is the last), as GET /v1/me/decisions lists them."""
    if n < 1:
        return None
    rows = await runs_repository.decisions_of(session, worker_id, limit=n)
    return rows[n - 1] if len(rows) >= n else None


async def last_payout(session: AsyncSession, worker_id: uuid.UUID) -> Decision | None:
    rows = await runs_repository.decisions_of(
        session, worker_id, kinds=("payout", "payout_refused"), limit=1
    )
    return rows[0] if rows else None
