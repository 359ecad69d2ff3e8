"""Reads of the ledger: what a worker sees, and the checks that hold the books to account."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.ids import new_id
from pools.ledger import (
    TransferRequest,
    open_member_accounts,
    open_pool_accounts,
    post_transfers,
    reverse_transfer,
)
from pools.ledger_models import LedgerAccount
from pools.ledger_queries import (
    accounts_by_kind,
    accounts_for_worker,
    balance_drift,
    balances_by_currency,
    balances_from_transfers,
    recent_transfers,
    transfer_sums_by_currency,
)
from tests.pools.test_ledger_accounts import make_pool, make_worker


def move(debit: object, credit: object, amount: int, currency: str = "USD") -> TransferRequest:
    assert hasattr(debit, "id") and hasattr(credit, "id")
    return TransferRequest(
        id=new_id(),
        debit_account_id=debit.id,
        credit_account_id=credit.id,
        amount_minor=amount,
        currency=currency,
        reason="adjustment",
    )


async def test_a_worker_sees_only_their_own_accounts(session: AsyncSession) -> None:
    pool, other = await make_pool(session), await make_pool(session, "KES")
    ana, ben = await make_worker(session), await make_worker(session)
    await open_pool_accounts(session, pool)
    mine = await open_member_accounts(session, pool, ana.id)
    mine_elsewhere = await open_member_accounts(session, other, ana.id)
    await open_member_accounts(session, pool, ben.id)

    everywhere = await accounts_for_worker(session, ana.id)
    assert {a.id for a in everywhere} == {
        mine.savings.id,
        mine.contribution.id,
        mine.arrears.id,
        mine_elsewhere.savings.id,
        mine_elsewhere.contribution.id,
        mine_elsewhere.arrears.id,
    }
    in_pool = await accounts_for_worker(session, ana.id, pool.id)
    assert {a.id for a in in_pool} == {mine.savings.id, mine.contribution.id, mine.arrears.id}
    assert await accounts_for_worker(session, new_id()) == []

    by_kind = await accounts_by_kind(session, pool.id, None)
    assert set(by_kind) == {"world", "reserve", "receivable"}


async def test_recent_transfers_are_newest_first_and_limited(session: AsyncSession) -> None:
    pool = await make_pool(session)
    books = await open_pool_accounts(session, pool)
    ana = await open_member_accounts(session, pool, (await make_worker(session)).id)
    ben = await open_member_accounts(session, pool, (await make_worker(session)).id)
    posted = []
    for amount in (100, 200, 300):
        [result] = await post_transfers(session, [move(books.world, ana.savings, amount)])
        posted.append(result.transfer.id)
    await post_transfers(session, [move(books.world, ben.savings, 999)])

    mine = [ana.savings.id, ana.contribution.id]
    assert [t.id for t in await recent_transfers(session, mine)] == posted[::-1]
    assert [t.id for t in await recent_transfers(session, mine, limit=2)] == posted[:0:-1]
    assert await recent_transfers(session, []) == []
    # Money leaving the account is listed as well as money coming in.
    [out] = await post_transfers(session, [move(ana.savings, books.world, 50)])
    assert (await recent_transfers(session, mine, limit=1))[0].id == out.transfer.id


async def test_books_sum_to_zero_per_currency_and_match_their_history(
    session: AsyncSession,
) -> None:
    usd, kes = await make_pool(session), await make_pool(session, "KES")
    usd_books, kes_books = (
        await open_pool_accounts(session, usd),
        await open_pool_accounts(session, kes),
    )
    ana = await open_member_accounts(session, usd, (await make_worker(session)).id)
    [_, contribution, _] = await post_transfers(
        session,
        [
            move(usd_books.world, ana.savings, 1000),
            move(ana.savings, usd_books.reserve, 400),
            move(kes_books.world, kes_books.reserve, 70_000, "KES"),
        ],
    )
    await post_transfers(session, [move(ana.savings, usd_books.reserve, 100)])
    await reverse_transfer(session, contribution.transfer.id, reversal_id=new_id())
    balances = await balances_by_currency(session)
    assert balances.get("USD") == 0 and balances.get("KES") == 0
    assert set((await transfer_sums_by_currency(session)).values()) == {0}
    history = await balances_from_transfers(session)
    assert history[ana.savings.id] == 900
    assert history[usd_books.reserve.id] == 100
    assert history[usd_books.world.id] == -1000
    assert history[kes_books.reserve.id] == 70_000
    assert await balance_drift(session) == {}


async def test_a_cached_balance_that_drifted_from_its_history_is_reported(
    session: AsyncSession,
) -> None:
    pool = await make_pool(session)
    books = await open_pool_accounts(session, pool)
    await post_transfers(session, [move(books.world, books.reserve, 500)])
    # Only a bug or a hand edit could do this; the check exists to notice it.
    await session.execute(
        update(LedgerAccount)
        .where(LedgerAccount.id == books.reserve.id)
        .values(credits_posted_minor=800)
        .execution_options(synchronize_session=False)
    )
    assert await balance_drift(session) == {books.reserve.id: (800, 500)}
