"""Batches as the monthly run posts them: in order, all or nothing, in a fixed few statements.

A batch is decided against its locked accounts in memory and written in one INSERT and one
UPDATE, so what one-by-one posting gave for free (a later transfer seeing an earlier one)
must hold here by construction; these tests hold it, and count the statements a batch costs
with a real `before_cursor_execute` listener on the engine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.errors import AlreadyReversed, InsufficientFunds, TransferIdConflict, TransferNotFound
from core.ids import new_id
from pools.ledger import (
    MemberAccounts,
    TransferRequest,
    open_member_accounts,
    open_pool_accounts,
    post_transfer,
    post_transfers,
)
from tests.pools.test_ledger import (
    Books,
    assert_books_balance,
    balance,
    open_books,
    request,
    transfer_count,
)
from tests.pools.test_ledger_accounts import make_pool, make_worker


@pytest.fixture
async def books(session: AsyncSession) -> Books:
    return await open_books(session)


async def test_an_id_named_twice_in_a_batch_is_one_transfer(
    session: AsyncSession, books: Books
) -> None:
    income = request(books.world, books.savings, 800, period="2026-11", memo="week 47")
    results = await post_transfers(
        session,
        [income, request(books.world, books.ben.savings.id, 100), dataclasses.replace(income)],
    )
    assert [r.replayed for r in results] == [False, False, True]
    assert results[2].transfer is results[0].transfer
    assert results[2].transfer.id == income.id
    assert await transfer_count(session) == 2
    assert await balance(session, books.savings) == 800
    assert books.ana.savings.balance_minor == 800


async def test_an_id_named_twice_in_a_batch_with_other_fields_is_a_conflict(
    session: AsyncSession, books: Books
) -> None:
    income = request(books.world, books.savings, 800)
    with pytest.raises(TransferIdConflict) as raised:
        await post_transfers(
            session,
            [
                income,
                request(books.world, books.ben.savings.id, 100),
                dataclasses.replace(income, memo="the same id, told differently"),
            ],
        )
    assert raised.value.extra["transfer_id"] == income.id
    assert await transfer_count(session) == 0
    assert await balance(session, books.savings) == 0
    assert await balance(session, books.ben.savings.id) == 0
    assert books.ana.savings.balance_minor == 0


async def test_a_batch_may_replay_a_stored_transfer_beside_new_ones(
    session: AsyncSession, books: Books
) -> None:
    stored = (await post_transfer(session, request(books.world, books.savings, 500))).transfer
    again = TransferRequest(
        id=stored.id,
        debit_account_id=stored.debit_account_id,
        credit_account_id=stored.credit_account_id,
        amount_minor=stored.amount_minor,
        currency=stored.currency,
        reason=stored.reason,
    )
    results = await post_transfers(
        session, [request(books.savings, books.reserve, 500, reason="contribution"), again]
    )
    assert [r.replayed for r in results] == [False, True]
    assert results[1].transfer.id == stored.id
    assert await balance(session, books.savings) == 0
    assert await transfer_count(session) == 2


async def test_money_moves_along_a_chain_within_one_batch(
    session: AsyncSession, books: Books
) -> None:
    """Each transfer spends only what the one before it brought, in the same batch."""
    results = await post_transfers(
        session,
        [
            request(books.world, books.savings, 900),
            request(books.savings, books.ana.contribution.id, 900, reason="contribution"),
            request(
                books.ana.contribution.id, books.reserve, 900, reason="contribution_to_reserve"
            ),
            request(books.reserve, books.ben.savings.id, 900, reason="smoothing_payout"),
        ],
    )
    assert [r.transfer.amount_minor for r in results] == [900] * 4
    assert [await balance(session, a) for a in (books.savings, books.reserve)] == [0, 0]
    assert await balance(session, books.ben.savings.id) == 900
    assert (books.ana.savings.balance_minor, books.ben.savings.balance_minor) == (0, 900)
    assert not session.dirty  # the loaded balances are the database's, not changes to write
    await assert_books_balance(session)


async def test_a_credit_later_in_the_batch_does_not_cover_an_earlier_debit(
    session: AsyncSession, books: Books
) -> None:
    with pytest.raises(InsufficientFunds) as raised:
        await post_transfers(
            session,
            [
                request(books.savings, books.reserve, 500, reason="contribution"),
                request(books.world, books.savings, 500),
            ],
        )
    assert raised.value.extra == {
        "account_id": books.savings,
        "available_minor": 0,
        "amount_minor": 500,
    }
    assert await transfer_count(session) == 0


async def test_a_refusal_reports_the_balance_the_batch_had_left(
    session: AsyncSession, books: Books
) -> None:
    await post_transfer(session, request(books.world, books.savings, 1000))
    with pytest.raises(InsufficientFunds) as raised:
        await post_transfers(
            session,
            [
                request(books.savings, books.world, 600, reason="savings_withdrawal"),
                request(books.savings, books.world, 600, reason="savings_withdrawal"),
            ],
        )
    assert raised.value.extra == {
        "account_id": books.savings,
        "available_minor": 400,
        "amount_minor": 600,
    }
    assert raised.value.detail == f"account {books.savings} holds 400 and cannot be debited 600"
    assert await balance(session, books.savings) == 1000
    assert books.ana.savings.balance_minor == 1000
    assert await transfer_count(session) == 1


def reversal_of(original: TransferRequest, **fields: Any) -> TransferRequest:
    return dataclasses.replace(
        original,
        id=fields.pop("id", new_id()),
        debit_account_id=original.credit_account_id,
        credit_account_id=original.debit_account_id,
        reason="reversal",
        reverses_id=original.id,
        **fields,
    )


async def test_a_batch_may_reverse_a_transfer_it_posted_once_and_only_after_it(
    session: AsyncSession, books: Books
) -> None:
    income = request(books.world, books.savings, 700)
    with pytest.raises(TransferNotFound):
        await post_transfers(session, [reversal_of(income), income])
    with pytest.raises(AlreadyReversed) as raised:
        await post_transfers(session, [income, reversal_of(income), reversal_of(income)])
    assert raised.value.extra["transfer_id"] == income.id
    assert await transfer_count(session) == 0
    undo = reversal_of(income)
    results = await post_transfers(session, [income, undo, dataclasses.replace(undo)])
    assert [r.replayed for r in results] == [False, False, True]
    assert results[1].transfer.reverses_id == income.id
    assert await balance(session, books.savings) == 0
    with pytest.raises(AlreadyReversed):
        await post_transfers(session, [reversal_of(income)])
    await assert_books_balance(session)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent to the database while the block runs, as the driver got it."""
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement.split(None, 1)[0])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_a_batch_costs_the_same_few_statements_however_large(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    """2,000 transfers over 80 members cost what 20 cost: no statement per transfer."""
    pool = await make_pool(session)
    pool_accounts = await open_pool_accounts(session, pool)
    members: list[MemberAccounts] = [
        await open_member_accounts(session, pool, (await make_worker(session)).id)
        for _ in range(80)
    ]

    def month(size: int) -> list[TransferRequest]:
        """Income into savings, then a contribution out of it, member after member."""
        batch: list[TransferRequest] = []
        for index in range(size // 2):
            savings = members[index % len(members)].savings.id
            batch.append(request(pool_accounts.world.id, savings, 1000 + index))
            batch.append(request(savings, pool_accounts.reserve.id, 100, reason="contribution"))
        return batch

    def undo(batch: list[TransferRequest]) -> list[TransferRequest]:
        return [reversal_of(r) for r in reversed(batch)]

    costs: dict[str, dict[int, list[str]]] = {"new": {}, "replay": {}, "reversal": {}}
    for size in (20, 2000):
        batch = month(size)
        for kind, requests in (("new", batch), ("replay", batch), ("reversal", undo(batch))):
            with statements(engine) as sent:
                results = await post_transfers(session, requests)
            assert len(results) == size
            assert all(r.replayed for r in results) == (kind == "replay")
            costs[kind][size] = sent

    for kind, by_size in costs.items():
        assert by_size[20] == by_size[2000], kind
    new, replay, reversal = (costs[kind][2000] for kind in ("new", "replay", "reversal"))
    # A savepoint around: the account lock, the stored transfers, then the two writes.
    core = ["SAVEPOINT", "SELECT", "SELECT"]
    assert new == [*core, "INSERT", "UPDATE", "RELEASE"]
    assert replay == [*core, "RELEASE"]
    assert reversal == [*core, "SELECT", "INSERT", "UPDATE", "RELEASE"]

    # Everything was undone, and the loaded accounts say so too.
    for account in [pool_accounts.world, pool_accounts.reserve, *(m.savings for m in members)]:
        assert await balance(session, account.id) == 0
        assert account.balance_minor == 0
    await assert_books_balance(session)
