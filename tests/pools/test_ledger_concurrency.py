"""Two transactions at once on PostgreSQL, each on its own connection, each committing.

This is where a ledger usually breaks: two withdrawals that each see enough money, a
retried request that lands twice, a double tap that opens two sets of accounts. SQLite
takes its write lock at BEGIN, so its writers never overlap; PostgreSQL is the case to prove.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import create_engine, session_factory
from core.errors import InsufficientFunds, TransferIdConflict
from core.ids import new_id
from pools.ledger import (
    PostResult,
    TransferRequest,
    open_member_accounts,
    open_pool_accounts,
    post_transfer,
)
from pools.ledger_models import LedgerAccount
from pools.ledger_queries import balance_drift
from pools.models import Pool
from tests.databases import PostgresDatabases
from tests.pools.test_ledger_accounts import make_pool, make_worker

T = TypeVar("T")


@dataclass
class Setup:
    factory: async_sessionmaker[AsyncSession]
    pool: Pool
    world: uuid.UUID
    reserve: uuid.UUID
    savings: uuid.UUID
    other_savings: uuid.UUID
    worker_id: uuid.UUID


@pytest.fixture(scope="module")
async def database_url(postgres_template: tuple[PostgresDatabases, str]) -> str:
    """One fresh PostgreSQL clone for this module; each test works in a pool of its own."""
    databases, template = postgres_template
    return databases.url_for(await databases.create(template=template))


@pytest.fixture
async def setup(database_url: str) -> AsyncIterator[Setup]:
    """A committed pool whose member holds 1000 and whose reserve holds 1000."""
    engine = create_engine(database_url)
    factory = session_factory(engine)
    try:
        async with factory() as session:
            pool = await make_pool(session)
            accounts = await open_pool_accounts(session, pool)
            worker = await make_worker(session)
            ana = await open_member_accounts(session, pool, worker.id)
            ben = await open_member_accounts(session, pool, (await make_worker(session)).id)
            for credit in (ana.savings.id, accounts.reserve.id):
                await post_transfer(session, withdrawal(accounts.world.id, credit, 1000))
            await session.commit()
        yield Setup(
            factory,
            pool,
            accounts.world.id,
            accounts.reserve.id,
            ana.savings.id,
            ben.savings.id,
            worker.id,
        )
    finally:
        await engine.dispose()


def withdrawal(
    debit: uuid.UUID, credit: uuid.UUID, amount: int, id: uuid.UUID | None = None
) -> TransferRequest:
    return TransferRequest(
        id=id or new_id(),
        debit_account_id=debit,
        credit_account_id=credit,
        amount_minor=amount,
        currency="USD",
        reason="adjustment",
    )


async def in_own_transaction(
    factory: async_sessionmaker[AsyncSession], work: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    async with factory() as session:
        result = await work(session)
        await session.commit()
        return result


async def balance(setup: Setup, account_id: uuid.UUID) -> int:
    async with setup.factory() as session:
        account = await session.get(LedgerAccount, account_id)
        assert account is not None
        assert await balance_drift(session) == {}
        return account.balance_minor


async def test_two_racing_withdrawals_cannot_both_take_the_same_money(setup: Setup) -> None:
    async def withdraw(session: AsyncSession) -> PostResult:
        result = await post_transfer(session, withdrawal(setup.savings, setup.world, 700))
        await asyncio.sleep(0.05)  # hold the transaction open so the other one overlaps
        return result

    outcomes = await asyncio.gather(
        in_own_transaction(setup.factory, withdraw),
        in_own_transaction(setup.factory, withdraw),
        return_exceptions=True,
    )
    assert sum(isinstance(o, PostResult) for o in outcomes) == 1
    assert sum(isinstance(o, InsufficientFunds) for o in outcomes) == 1
    assert await balance(setup, setup.savings) == 300


async def test_a_withdrawal_waits_for_the_one_in_flight_and_then_sees_it(setup: Setup) -> None:
    async with setup.factory() as first:
        await post_transfer(first, withdrawal(setup.savings, setup.world, 700))
        second = asyncio.create_task(
            in_own_transaction(
                setup.factory,
                lambda s: post_transfer(s, withdrawal(setup.savings, setup.world, 700)),
            )
        )
        await asyncio.sleep(0.3)
        assert not second.done(), "the second withdrawal did not wait for the first"
        await first.commit()
    with pytest.raises(InsufficientFunds):
        await second
    assert await balance(setup, setup.savings) == 300


async def test_the_same_transfer_sent_twice_at_once_moves_money_once(setup: Setup) -> None:
    request = withdrawal(setup.savings, setup.world, 400)
    outcomes = await asyncio.gather(
        in_own_transaction(setup.factory, lambda s: post_transfer(s, request)),
        in_own_transaction(setup.factory, lambda s: post_transfer(s, request)),
    )
    assert sorted(o.replayed for o in outcomes) == [False, True]
    assert await balance(setup, setup.savings) == 600


async def test_one_id_racing_with_other_fields_is_refused_after_the_first_commits(
    setup: Setup,
) -> None:
    """No shared account to queue on: the loser meets the id in the primary key instead."""
    transfer_id = new_id()
    async with setup.factory() as first:
        await post_transfer(first, withdrawal(setup.savings, setup.world, 100, transfer_id))
        second = asyncio.create_task(
            in_own_transaction(
                setup.factory,
                lambda s: post_transfer(
                    s, withdrawal(setup.reserve, setup.other_savings, 100, transfer_id)
                ),
            )
        )
        await asyncio.sleep(0.3)
        assert not second.done()
        await first.commit()
    with pytest.raises(TransferIdConflict):
        await second
    assert await balance(setup, setup.other_savings) == 0
    assert await balance(setup, setup.savings) == 900


async def test_accounts_opened_twice_at_once_exist_once(setup: Setup) -> None:
    """A new pool and a new member, opened by two requests at once: one set of accounts."""

    async def make_both(session: AsyncSession) -> tuple[uuid.UUID, uuid.UUID]:
        return (await make_pool(session)).id, (await make_worker(session)).id

    pool_id, worker_id = await in_own_transaction(setup.factory, make_both)

    async def open_all(session: AsyncSession) -> tuple[uuid.UUID, ...]:
        pool = await session.get(Pool, pool_id)
        assert pool is not None
        pool_accounts = await open_pool_accounts(session, pool)
        member = await open_member_accounts(session, pool, worker_id)
        await asyncio.sleep(0.05)
        ids = (pool_accounts.world.id, pool_accounts.reserve.id)
        return (*ids, member.savings.id, member.contribution.id)

    first, second = await asyncio.gather(
        in_own_transaction(setup.factory, open_all), in_own_transaction(setup.factory, open_all)
    )
    assert first == second
    async with setup.factory() as session:
        count = await session.scalar(
            select(func.count()).select_from(LedgerAccount).where(LedgerAccount.pool_id == pool_id)
        )
    assert count == 6  # world, reserve, receivable; savings, contribution, arrears
