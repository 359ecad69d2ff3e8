"""Opening ledger accounts: one set per pool and per member, however often it is asked."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.ids import new_id, new_join_code
from pools.ledger import open_member_accounts, open_pool_accounts
from pools.ledger_models import LedgerAccount
from pools.models import Pool, Worker


async def make_pool(session: AsyncSession, currency: str = "USD") -> Pool:
    """A pool with plain rules; the ledger reads only its id and currency."""
    pool = Pool(
        name="Riders co-op",
        currency=currency,
        join_code=new_join_code(12),
        contribution_rate_bp=300,
        min_contribution_minor=500,
        max_contribution_minor=10_000,
        replacement_rate_bp=5000,
        deductible_bp=1000,
        monthly_payout_cap_minor=50_000,
        max_payout_months_per_12=4,
        waiting_period_months=0,
        target_ruin_bp=100,
    )
    session.add(pool)
    await session.flush()
    return pool


async def make_worker(session: AsyncSession) -> Worker:
    worker = Worker(phone_e164="+1555" + str(new_id().int % 10**7).zfill(7), name="Ana")
    session.add(worker)
    await session.flush()
    return worker


async def count_accounts(session: AsyncSession, pool: Pool) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(LedgerAccount).where(LedgerAccount.pool_id == pool.id)
        )
        or 0
    )


async def test_pool_accounts_are_world_and_reserve_in_the_pool_currency(
    session: AsyncSession,
) -> None:
    pool = await make_pool(session, "KES")
    accounts = await open_pool_accounts(session, pool)
    assert (accounts.world.kind, accounts.reserve.kind) == ("world", "reserve")
    for account in (accounts.world, accounts.reserve):
        assert account.currency == "KES"
        assert account.pool_id == pool.id
        assert account.worker_id is None
        assert account.balance_minor == 0
    assert accounts.world.debits_must_not_exceed_credits is False
    assert accounts.reserve.debits_must_not_exceed_credits is True


async def test_opening_pool_accounts_twice_returns_the_same_accounts(
    session: AsyncSession,
) -> None:
    pool = await make_pool(session)
    first = await open_pool_accounts(session, pool)
    second = await open_pool_accounts(session, pool)
    assert (first.world.id, first.reserve.id, first.receivable.id) == (
        second.world.id,
        second.reserve.id,
        second.receivable.id,
    )
    assert await count_accounts(session, pool) == 3


async def test_member_accounts_cannot_overdraw_and_are_opened_once(
    session: AsyncSession,
) -> None:
    pool = await make_pool(session)
    worker = await make_worker(session)
    first = await open_member_accounts(session, pool, worker.id)
    second = await open_member_accounts(session, pool, worker.id)
    assert (first.savings.id, first.contribution.id) == (
        second.savings.id,
        second.contribution.id,
    )
    assert first.savings.kind == "member_savings"
    assert first.contribution.kind == "member_contribution"
    assert first.arrears.kind == "member_arrears" and first.arrears.id == second.arrears.id
    for account in (first.savings, first.contribution, first.arrears):
        assert account.worker_id == worker.id
        assert account.debits_must_not_exceed_credits is True
        assert account.currency == "USD"
    assert await count_accounts(session, pool) == 3


async def test_each_member_and_each_pool_has_accounts_of_its_own(session: AsyncSession) -> None:
    pool, other_pool = await make_pool(session), await make_pool(session)
    ana, ben = await make_worker(session), await make_worker(session)
    ids = {
        (await open_member_accounts(session, pool, ana.id)).savings.id,
        (await open_member_accounts(session, pool, ben.id)).savings.id,
        (await open_member_accounts(session, other_pool, ana.id)).savings.id,
        (await open_pool_accounts(session, pool)).reserve.id,
        (await open_pool_accounts(session, other_pool)).reserve.id,
    }
    assert len(ids) == 5
