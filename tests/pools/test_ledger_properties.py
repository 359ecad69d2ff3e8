"""Random sequences of ledger operations, checked against a model after every step.

Each example opens two pools (USD and KES) with members, then runs up to ~30 operations:
single transfers and batches (overdraft attempts among them; a batch may name one of its own
ids again, with the same or other fields, or replay a stored transfer), replays, conflicting
replays and reversals. A plain dict predicts every balance and every refusal; after each step the
database must agree with it, every currency must sum to zero, each cached balance must equal
the sum of its transfer history, no member or reserve balance may be negative, and a replay
must have changed nothing. The whole example runs in a SAVEPOINT that is rolled back, so
examples share the test's session without seeing each other.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import (
    AlreadyReversed,
    CurrencyMismatch,
    InsufficientFunds,
    InvalidTransfer,
    MutuaError,
    TransferIdConflict,
)
from core.ids import new_id
from pools.ledger import (
    TransferRequest,
    open_member_accounts,
    open_pool_accounts,
    post_transfers,
    reverse_transfer,
)
from pools.ledger_models import LedgerAccount, LedgerTransfer
from pools.ledger_queries import balance_drift, balances_by_currency, transfer_sums_by_currency
from tests.pools.test_ledger_accounts import make_pool, make_worker

ACCOUNTS = 8
"""Indexes 0-5 are the USD pool (world, reserve, two members' savings and contribution),
6-7 the KES pool's world and a member's savings."""

USD, KES = range(6), range(6, 8)
FUNDING = [(0, c) for c in USD if c != 0] + [(6, 7)]
WITHIN_POOL = [(d, c) for pool in (USD, KES) for d in pool for c in pool if d != c]
pairs = st.one_of(
    st.sampled_from(FUNDING),  # money in from outside, so later debits have something to take
    st.sampled_from(WITHIN_POOL),  # contributions, payouts, withdrawals, overdraft attempts
    st.tuples(st.integers(0, ACCOUNTS - 1), st.integers(0, ACCOUNTS - 1)),  # anything at all
)
amounts = st.one_of(st.integers(1, 3000), st.sampled_from([1, 1000, 2999]))
wrong_currency = st.integers(0, 9).map(lambda n: "EUR" if n == 0 else "")
post_op = st.builds(
    lambda pair, amount, currency: ("post", *pair, amount, currency),
    pairs,
    amounts,
    wrong_currency,
)
batch_op = st.one_of(
    post_op,
    post_op,
    st.tuples(st.just("again"), st.integers(0, 10), st.booleans()),  # an id of this batch again
    st.tuples(st.just("stored"), st.integers(0, 1000)),  # a transfer posted before
)
operations = st.lists(
    st.one_of(
        post_op,
        st.tuples(st.just("batch"), st.lists(batch_op, min_size=1, max_size=5)),
        st.tuples(st.just("replay"), st.integers(0, 1000)),
        st.tuples(st.just("conflict"), st.integers(0, 1000), st.integers(1, 50)),
        st.tuples(st.just("reverse"), st.integers(0, 1000), st.booleans()),
    ),
    min_size=1,
    max_size=30,
)


@dataclass
class Account:
    id: uuid.UUID
    pool: int
    currency: str
    no_overdraft: bool


@dataclass
class Model:
    """What the ledger should hold: balances, posted requests, which were reversed by what."""

    accounts: list[Account]
    balances: dict[uuid.UUID, int] = field(default_factory=dict)
    posted: list[TransferRequest] = field(default_factory=list)
    reversed_by: dict[uuid.UUID, TransferRequest] = field(default_factory=dict)

    def outcome(self, request: TransferRequest, balances: dict[uuid.UUID, int]) -> type | None:
        """The refusal the ledger must give, or None if the transfer must go through."""
        by_id = {a.id: a for a in self.accounts}
        debit, credit = by_id[request.debit_account_id], by_id[request.credit_account_id]
        if debit.id == credit.id or debit.pool != credit.pool:
            return InvalidTransfer
        if request.currency != debit.currency:
            return CurrencyMismatch
        if debit.no_overdraft and balances.get(debit.id, 0) < request.amount_minor:
            return InsufficientFunds
        return None

    def apply(self, request: TransferRequest, balances: dict[uuid.UUID, int]) -> None:
        balances[request.debit_account_id] = balances.get(request.debit_account_id, 0) - (
            request.amount_minor
        )
        balances[request.credit_account_id] = balances.get(request.credit_account_id, 0) + (
            request.amount_minor
        )


async def open_books(session: AsyncSession) -> list[Account]:
    usd, kes = await make_pool(session, "USD"), await make_pool(session, "KES")
    usd_pool, kes_pool = (
        await open_pool_accounts(session, usd),
        await open_pool_accounts(session, kes),
    )
    ana = await open_member_accounts(session, usd, (await make_worker(session)).id)
    ben = await open_member_accounts(session, usd, (await make_worker(session)).id)
    cy = await open_member_accounts(session, kes, (await make_worker(session)).id)
    usd_accounts = [usd_pool.world, usd_pool.reserve, ana.savings, ana.contribution]
    usd_accounts += [ben.savings, ben.contribution]
    return [
        *(Account(a.id, 0, "USD", a.kind != "world") for a in usd_accounts),
        Account(kes_pool.world.id, 1, "KES", False),
        Account(cy.savings.id, 1, "KES", True),
    ]


def make_request(model: Model, op: tuple[Any, ...]) -> TransferRequest:
    _, debit, credit, amount, currency = op
    debit_account = model.accounts[debit]
    return TransferRequest(
        id=new_id(),
        debit_account_id=debit_account.id,
        credit_account_id=model.accounts[credit].id,
        amount_minor=amount,
        currency=currency or debit_account.currency,
        reason="adjustment",
        period="2026-11",
    )


def batch_requests(model: Model, ops: list[tuple[Any, ...]]) -> list[TransferRequest]:
    """The batch's requests: new ones, its own ids again (maybe changed), stored ones again."""
    requests: list[TransferRequest] = []
    for op in ops:
        if op[0] == "post":
            requests.append(make_request(model, op))
        elif op[0] == "again" and requests:
            earlier = requests[op[1] % len(requests)]
            if op[2]:
                earlier = dataclasses.replace(earlier, amount_minor=earlier.amount_minor + 1)
            requests.append(dataclasses.replace(earlier))
        elif op[0] == "stored" and model.posted:
            requests.append(dataclasses.replace(model.posted[op[1] % len(model.posted)]))
    return requests or [make_request(model, ("post", 0, 1, 1, ""))]


async def step(session: AsyncSession, model: Model, op: tuple[Any, ...]) -> None:
    """Run one operation and check the ledger's answer against the model's prediction."""
    kind = op[0]
    if kind in ("post", "batch"):
        requests = batch_requests(model, op[1] if kind == "batch" else [op])
        trial = dict(model.balances)
        seen = {r.id: r for r in model.posted}
        new: list[TransferRequest] = []
        replayed: list[bool] = []
        # Malformed requests are refused before any is tried, then they go in order: an id
        # seen before (stored, or earlier in the batch) is a replay or a conflict.
        same = any(r.debit_account_id == r.credit_account_id for r in requests)
        expected: type | None = InvalidTransfer if same else None
        for request in [] if same else requests:
            earlier = seen.get(request.id)
            if earlier is not None:
                expected = None if earlier == request else TransferIdConflict
                replayed.append(True)
            else:
                expected = model.outcome(request, trial)
                replayed.append(False)
            if expected is not None:
                break
            if earlier is None:
                model.apply(request, trial)
                seen[request.id] = request
                new.append(request)
        if any(replayed):
            event("batch with a replay")
        await expect(expected, post_transfers(session, requests), replayed)
        if expected is None:
            model.balances = trial
            model.posted.extend(new)
    elif kind in ("replay", "conflict") and model.posted:
        original = model.posted[op[1] % len(model.posted)]
        event(kind)
        if kind == "replay":
            [result] = await post_transfers(session, [dataclasses.replace(original)])
            assert result.replayed
            assert result.transfer.id == original.id
        else:
            changed = dataclasses.replace(original, amount_minor=original.amount_minor + op[2])
            await expect(TransferIdConflict, post_transfers(session, [changed]))
    elif kind == "reverse" and model.posted:
        await reverse(session, model, model.posted[op[1] % len(model.posted)], op[2])


async def reverse(
    session: AsyncSession, model: Model, original: TransferRequest, same_id: bool
) -> None:
    earlier = model.reversed_by.get(original.id)
    if earlier is not None:
        if same_id:  # asking again for the reversal that was posted is a replay
            result = await reverse_transfer(session, original.id, reversal_id=earlier.id)
            assert result.replayed
        else:
            await expect(
                AlreadyReversed, reverse_transfer(session, original.id, reversal_id=new_id())
            )
        return
    reversal = TransferRequest(
        id=new_id(),
        debit_account_id=original.credit_account_id,
        credit_account_id=original.debit_account_id,
        amount_minor=original.amount_minor,
        currency=original.currency,
        reason="reversal",
        period=original.period,
        reverses_id=original.id,
    )
    expected = model.outcome(reversal, model.balances)
    await expect(expected, reverse_transfer(session, original.id, reversal_id=reversal.id))
    if expected is None:
        model.apply(reversal, model.balances)
        model.posted.append(reversal)
        model.reversed_by[original.id] = reversal


async def expect(error: type | None, call: Any, replayed: list[bool] | None = None) -> None:
    """The call is refused with `error`, or goes through with the replays predicted (none
    unless `replayed` says which)."""
    event(f"outcome: {error.__name__ if error else 'posted'}")
    try:
        result = await call
    except MutuaError as exc:
        assert error is not None, f"refused unexpectedly: {exc.slug}: {exc.detail}"
        assert isinstance(exc, error), f"expected {error.__name__}, got {exc.slug}"
        return
    assert error is None, f"expected {error.__name__}, but it went through"
    results = result if isinstance(result, list) else [result]
    assert [r.replayed for r in results] == (replayed or [False] * len(results))


async def check(session: AsyncSession, model: Model) -> None:
    """The invariants that must hold after every step, read from the database."""
    ids = [a.id for a in model.accounts]
    rows = await session.execute(
        select(
            LedgerAccount.id,
            LedgerAccount.credits_posted_minor - LedgerAccount.debits_posted_minor,
            LedgerAccount.debits_must_not_exceed_credits,
        ).where(LedgerAccount.id.in_(ids))
    )
    for account_id, balance, no_overdraft in rows:
        assert balance == model.balances.get(account_id, 0)
        assert not no_overdraft or balance >= 0
    count = await session.scalar(
        select(func.count())
        .select_from(LedgerTransfer)
        .where(LedgerTransfer.debit_account_id.in_(ids))
    )
    assert count == len(model.posted)
    assert set((await balances_by_currency(session)).values()) <= {0}
    assert set((await transfer_sums_by_currency(session)).values()) <= {0}
    assert await balance_drift(session) == {}


@settings(
    max_examples=30,
    deadline=None,
    # One session serves every example; each example rolls its own SAVEPOINT back.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
async def test_random_operations_keep_the_books_balanced(
    session: AsyncSession, ops: list[tuple[Any, ...]]
) -> None:
    savepoint = await session.begin_nested()
    try:
        model = Model(await open_books(session))
        await check(session, model)
        for op in ops:
            await step(session, model, op)
            await check(session, model)
    finally:
        await savepoint.rollback()
