"""The posting steps: a chunk of members' contributions, or their payouts, in one transaction.

Each chunk reads only its members' plans and their balances (locked), posts its transfers
as one ledger batch, stores a decision for every movement and queues the messages that tell
the members, all in the transaction that marks the chunk done. Transfer ids, decision ids
and message keys are derived from (pool, period, member, kind), so nothing here can happen
twice even if the chunk's own bookkeeping were lost.

Order within a member's contribution: what they already owed is settled first, then this
month's contribution, then any catch-up instalment. Whatever their savings cannot cover is
recorded as owed (receivable → member_arrears) and settled first next time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from benefits.run import mark_paid
from core.money import Money
from core.periods import Period
from notifications import QueuedSms, enqueue_sms_batch
from pools.ledger import PoolAccounts, TransferRequest, post_transfers
from pools.ledger_queries import lock_member_balances
from pools.models import Pool
from runs import ids
from runs.explain import ON_BENEFIT, explanation_codes
from runs.models import Decision, MemberPlan, MonthlyRun
from runs.repository import insert_rows


@dataclass
class ChunkResult:
    counts: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, amount: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1
        self.totals[name] = self.totals.get(name, 0) + amount


@dataclass(frozen=True)
class _Accounts:
    savings: uuid.UUID
    arrears: uuid.UUID
    owed: int
    """What the member owed the pool when the chunk locked their accounts."""


@dataclass
class _Member:
    """One member's movements being assembled for the chunk's ledger batch."""

    plan: MemberPlan
    accounts: _Accounts
    savings: int
    """Savings balance as the chunk's movements leave it so far."""


class _Batch:
    def __init__(self, run: MonthlyRun, pool: Pool, pool_accounts: PoolAccounts) -> None:
        self.run = run
        self.pool = pool
        self.accounts = pool_accounts
        self.transfers: list[TransferRequest] = []
        self.decisions: list[dict[str, Any]] = []
        self.messages: list[QueuedSms] = []
        self.result = ChunkResult()

    def move(
        self,
        member: _Member,
        kind: str,
        reason: str,
        debit: uuid.UUID,
        credit: uuid.UUID,
        amount: int,
    ) -> str | None:
        if amount <= 0:
            return None
        plan = member.plan
        transfer = TransferRequest(
            id=ids.transfer_id(self.pool.id, plan.period, plan.membership_id, kind),
            debit_account_id=debit,
            credit_account_id=credit,
            amount_minor=amount,
            currency=self.pool.currency,
            reason=reason,
            period=plan.period,
        )
        self.transfers.append(transfer)
        self.result.add(f"transfer:{reason}", amount)
        return str(transfer.id)

    def collect(
        self, member: _Member, kind: str, reason: str, amount: int
    ) -> tuple[int, list[str]]:
        """Take `amount` from savings into the reserve; what savings lack is owed."""
        paid = min(amount, member.savings)
        member.savings -= paid
        moved = [
            self.move(
                member, kind, reason, member.accounts.savings, self.accounts.reserve.id, paid
            ),
            self.move(
                member,
                f"{kind}_owed",
                "contribution_owed",
                self.accounts.receivable.id,
                member.accounts.arrears,
                amount - paid,
            ),
        ]
        return paid, [t for t in moved if t]

    def decide(
        self,
        plan: MemberPlan,
        kind: str,
        amount: int,
        reason: str,
        inputs: dict[str, Any],
        factors: dict[str, Any],
        transfer_ids: list[str],
    ) -> Decision | dict[str, Any]:
        decision = ids.decision_id(self.pool.id, plan.period, plan.membership_id, kind)
        row = {
            "id": decision,
            "run_id": self.run.id,
            "pool_id": self.pool.id,
            "membership_id": plan.membership_id,
            "worker_id": plan.worker_id,
            "period": plan.period,
            "kind": kind,
            "reference": ids.reference(decision),
            "amount_minor": amount,
            "currency": self.pool.currency,
            "reason": reason,
            "explanation": explanation_codes(kind, reason, plan, factors),
            "inputs": inputs,
            "factors": factors,
            "model_id": plan.model_id,
            "transfer_ids": transfer_ids,
        }
        self.decisions.append(row)
        self.result.add(f"decision:{kind}", amount)
        return row

    def tell(self, plan: MemberPlan, phone: str, template: str, **values: object) -> None:
        self.messages.append(
            QueuedSms(
                to=phone,
                template=template,
                language=plan.language,
                values=values,
                dedup_key=ids.message_key(template, self.pool.id, plan.period, plan.membership_id),
            )
        )
        self.result.add(f"message:{template}", 0)

    async def commit_to(self, session: AsyncSession) -> None:
        await post_transfers(session, self.transfers)
        await insert_rows(session, Decision, self.decisions)
        queued = await enqueue_sms_batch(session, self.messages)
        self.result.counts["messages_queued"] = queued


def _inputs(plan: MemberPlan) -> dict[str, Any]:
    return {
        "income_minor": plan.income_minor,
        "income_reported": plan.income_reported,
        "baseline_minor": plan.decision_baseline_minor,
        "history_months": plan.history_months,
        "months_of_membership": plan.months_of_membership,
        "payout_months_used": plan.payout_months_used,
        "contribution_rate_bp": plan.contribution_rate_bp,
    }


async def _members(session: AsyncSession, pool: Pool, plans: list[MemberPlan]) -> list[_Member]:
    found = await lock_member_balances(session, pool.id, [p.worker_id for p in plans])
    members = []
    for plan in plans:
        kinds = found[plan.worker_id]
        (savings, balance), (arrears, owed) = kinds["member_savings"], kinds["member_arrears"]
        members.append(_Member(plan, _Accounts(savings, arrears, owed), balance))
    return members


async def post_contributions(
    session: AsyncSession,
    run: MonthlyRun,
    pool: Pool,
    pool_accounts: PoolAccounts,
    plans: list[MemberPlan],
    phones: dict[uuid.UUID, str],
) -> ChunkResult:
    batch = _Batch(run, pool, pool_accounts)
    period = Period.parse(run.period)
    for member in await _members(session, pool, plans):
        plan = member.plan
        inputs = _inputs(plan)
        owed = member.accounts.owed
        if owed > 0:
            settled = min(owed, member.savings)
            member.savings -= settled
            moved = [
                self_id
                for self_id in (
                    batch.move(
                        member,
                        "arrears_settled",
                        "arrears_settled",
                        member.accounts.savings,
                        pool_accounts.reserve.id,
                        settled,
                    ),
                    batch.move(
                        member,
                        "arrears_cleared",
                        "arrears_cleared",
                        member.accounts.arrears,
                        pool_accounts.receivable.id,
                        settled,
                    ),
                )
                if self_id
            ]
            batch.decide(
                plan,
                "arrears_settlement",
                settled,
                "arrears_settled" if settled else "no_savings",
                {**inputs, "owed_before_minor": owed},
                {"settled_minor": settled, "still_owed_minor": owed - settled},
                moved,
            )
        paid, moved = batch.collect(member, "contribution", "contribution", plan.paid_now_minor)
        batch.decide(
            plan,
            "contribution",
            plan.paid_now_minor,
            plan.relief_reason,
            inputs,
            {
                **plan.relief_factors,
                "charged_minor": plan.paid_now_minor,
                "collected_minor": paid,
                "owed_minor": plan.paid_now_minor - paid,
            },
            moved,
        )
        relieved = plan.forgiven_minor + plan.deferred_minor
        if relieved > 0:
            batch.decide(
                plan,
                "relief",
                relieved,
                plan.relief_reason,
                inputs,
                {
                    **plan.relief_factors,
                    "forgiven_minor": plan.forgiven_minor,
                    "deferred_minor": plan.deferred_minor,
                    "catchup_schedule_minor": plan.catchup_schedule_minor,
                },
                [],
            )
            months = len(plan.catchup_schedule_minor) or 1
            if plan.relief_reason == ON_BENEFIT:
                pass  # the benefit's own message says the month was paid, not charged
            elif plan.paid_now_minor > 0:
                batch.tell(
                    plan,
                    phones[plan.worker_id],
                    "contribution.relief",
                    period=period,
                    amount=Money(plan.paid_now_minor, pool.currency),
                    deferred=Money(plan.deferred_minor, pool.currency),
                    months=months,
                )
            else:
                batch.tell(
                    plan,
                    phones[plan.worker_id],
                    "contribution.skipped",
                    period=period,
                    deferred=Money(plan.deferred_minor, pool.currency),
                    months=months,
                )
        if plan.catchup_due_minor > 0:
            paid, moved = batch.collect(member, "catchup", "catchup", plan.catchup_due_minor)
            batch.decide(
                plan,
                "catchup",
                plan.catchup_due_minor,
                "catchup_due",
                inputs,
                {
                    "due_minor": plan.catchup_due_minor,
                    "collected_minor": paid,
                    "owed_minor": plan.catchup_due_minor - paid,
                    "from_decisions": plan.catchup_sources,
                },
                moved,
            )
    await batch.commit_to(session)
    return batch.result


def low_month_cover(plan: MemberPlan) -> int:
    """What to put aside now for a likely low month: the gap between the member's usual
    income and the low end (p25) of next month's forecast."""
    ahead = plan.forecast[0] if plan.forecast else {"p25": plan.baseline_minor}
    return max(plan.baseline_minor - int(ahead["p25"]), 0)


def payout_amount(due: int, run: MonthlyRun) -> int:
    """The payout after the month's pro-rata factor, fixed on the run (integer arithmetic, so
    the month's payouts never add up to more than the reserve held)."""
    total, available = run.payout_due_minor or 0, run.payout_available_minor or 0
    if total <= available:
        return due
    return due * available // total


def benefit_amount(due: int, run: MonthlyRun) -> tuple[int, float]:
    """A benefit after the month's pro rata (only when the reserve cannot pay every benefit
    in full), and the factor."""
    figures = run.report.get("benefits", {})
    total, available = int(figures.get("due_minor", 0)), int(figures.get("available_minor", 0))
    if total <= available:
        return due, 1.0
    return due * available // total, available / total


def _pay_benefit(batch: _Batch, member: _Member, phone: str, period: Period) -> None:
    plan = member.plan
    if plan.benefit_due_minor <= 0 or plan.benefit_factors is None:
        return
    amount, factor = benefit_amount(plan.benefit_due_minor, batch.run)
    moved = batch.move(
        member, "benefit", "benefit", batch.accounts.reserve.id, member.accounts.savings, amount
    )
    member.savings += amount
    factors = {
        **plan.benefit_factors,
        "due_minor": plan.benefit_due_minor,
        "paid_minor": amount,
        "pro_rata_factor": factor,
    }
    reason = "maximum_reached" if factors.get("reaches_maximum") else "benefit_paid"
    inputs = {**_inputs(plan), "claim_reference": factors.get("claim_reference")}
    batch.decide(plan, "benefit", amount, reason, inputs, factors, [moved] if moved else [])
    if amount > 0:
        batch.tell(
            plan, phone, "benefit.paid", period=period, amount=Money(amount, batch.pool.currency)
        )


async def post_payouts(
    session: AsyncSession,
    run: MonthlyRun,
    pool: Pool,
    pool_accounts: PoolAccounts,
    plans: list[MemberPlan],
    phones: dict[uuid.UUID, str],
) -> ChunkResult:
    batch = _Batch(run, pool, pool_accounts)
    period = Period.parse(run.period)
    total, available = run.payout_due_minor or 0, run.payout_available_minor or 0
    factor = 1.0 if total <= available else available / total
    for member in await _members(session, pool, plans):
        plan = member.plan
        _pay_benefit(batch, member, phones[plan.worker_id], period)
        inputs = _inputs(plan)
        amount = payout_amount(plan.payout_due_minor, run)
        factors = {
            **plan.payout_factors,
            "pro_rata_factor": factor,
            "due_minor": plan.payout_due_minor,
            "payout_minor": amount,
        }
        shortfall = plan.payout_factors.get("shortfall", 0.0) > plan.payout_factors.get(
            "deductible", 0.0
        )
        if amount > 0:
            moved = batch.move(
                member,
                "payout",
                "smoothing_payout",
                pool_accounts.reserve.id,
                member.accounts.savings,
                amount,
            )
            member.savings += amount
            batch.decide(
                plan,
                "payout",
                amount,
                plan.payout_reason,
                inputs,
                factors,
                [moved] if moved else [],
            )
            reason = "reserve_short" if factor < 1.0 else "shortfall"
            batch.tell(
                plan,
                phones[plan.worker_id],
                "payout.sent",
                amount=Money(amount, pool.currency),
                period=period,
                reason=reason,
            )
        elif plan.payout_due_minor > 0 or shortfall or not plan.income_reported:
            reason = plan.payout_reason if plan.payout_due_minor == 0 else "reserve_empty"
            batch.decide(plan, "payout_refused", 0, reason, inputs, factors, [])
        charged = plan.paid_now_minor + plan.catchup_due_minor
        target = plan.savings_target_minor
        progress = 100 if target <= 0 else min(999, member.savings * 100 // target)
        batch.tell(
            plan,
            phones[plan.worker_id],
            "statement.monthly",
            period=period,
            contribution=Money(charged, pool.currency),
            savings_balance=Money(member.savings, pool.currency),
            savings_target=Money(target, pool.currency),
            progress_percent=int(progress),
        )
        if plan.low_month_ahead and plan.forecast:
            ahead = plan.forecast[0]
            batch.tell(
                plan,
                phones[plan.worker_id],
                "forecast.low_month_guidance",
                period=Period.parse(ahead["month"]),
                forecast=Money(int(ahead["p50"]), pool.currency),
                set_aside=Money(low_month_cover(plan), pool.currency),
            )
    await batch.commit_to(session)
    await mark_paid(session, plans)
    return batch.result
