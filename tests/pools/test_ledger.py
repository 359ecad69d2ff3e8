"""The ledger's rules, each refusal with its stable problem type, on both databases."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import (
    AccountNotFound,
    AlreadyReversed,
    CurrencyMismatch,
    InsufficientFunds,
    InvalidTransfer,
    MutuaError,
    TransferIdConflict,
    TransferNotFound,
)
from core.ids import new_id
from core.money import MAX_MINOR
from pools.ledger import (
    MemberAccounts,
    PoolAccounts,
    TransferRequest,
    open_member_accounts,
    open_pool_accounts,
    post_transfer,
    post_transfers,
    reverse_transfer,
)
from pools.ledger_models import LedgerAccount, LedgerTransfer
from pools.ledger_queries import balance_drift, balances_by_currency
from tests.pools.test_ledger_accounts import make_pool, make_worker


@dataclass
class Books:
    pool: PoolAccounts
    ana: MemberAccounts
    ben: MemberAccounts

    @property
    def world(self) -> uuid.UUID:
        return self.pool.world.id

    @property
    def reserve(self) -> uuid.UUID:
        return self.pool.reserve.id

    @property
    def savings(self) -> uuid.UUID:
        return self.ana.savings.id


@pytest.fixture
async def books(session: AsyncSession) -> Books:
    return await open_books(session)


async def open_books(session: AsyncSession) -> Books:
    """A USD pool's accounts and two members', Ana's and Ben's, all empty."""
    pool = await make_pool(session)
    accounts = await open_pool_accounts(session, pool)
    ana = await open_member_accounts(session, pool, (await make_worker(session)).id)
    ben = await open_member_accounts(session, pool, (await make_worker(session)).id)
    return Books(accounts, ana, ben)


def request(
    debit: uuid.UUID, credit: uuid.UUID, amount: Any = 1000, **fields: Any
) -> TransferRequest:
    fields.setdefault("reason", "income_saved")
    return TransferRequest(
        id=fields.pop("id", new_id()),
        debit_account_id=debit,
        credit_account_id=credit,
        amount_minor=amount,
        currency=fields.pop("currency", "USD"),
        **fields,
    )


async def balance(session: AsyncSession, account_id: uuid.UUID) -> int:
    """The balance as the database has it, not as a loaded object remembers it."""
    value = await session.scalar(
        select(LedgerAccount.credits_posted_minor - LedgerAccount.debits_posted_minor).where(
            LedgerAccount.id == account_id
        )
    )
    assert value is not None
    return int(value)


async def transfer_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(LedgerTransfer)) or 0)


async def assert_books_balance(session: AsyncSession) -> None:
    assert all(total == 0 for total in (await balances_by_currency(session)).values())
    assert await balance_drift(session) == {}


async def test_a_transfer_moves_money_from_debit_to_credit(
    session: AsyncSession, books: Books
) -> None:
    result = await post_transfer(
        session, request(books.world, books.savings, 2500, period="2026-11", memo="Uber week 47")
    )
    assert not result.replayed
    stored = result.transfer
    assert (stored.amount_minor, stored.currency, stored.reason) == (2500, "USD", "income_saved")
    assert (stored.period, stored.memo, stored.reverses_id) == ("2026-11", "Uber week 47", None)
    assert stored.pool_id == books.pool.world.pool_id
    assert await balance(session, books.world) == -2500
    assert await balance(session, books.savings) == 2500
    # The loaded account objects follow the database.
    assert books.ana.savings.balance_minor == 2500
    assert books.pool.world.balance_minor == -2500
    await assert_books_balance(session)


async def test_a_replay_returns_the_stored_transfer_and_moves_nothing(
    session: AsyncSession, books: Books
) -> None:
    first = request(books.world, books.savings, 700, period="2026-11", memo="tips")
    posted = await post_transfer(session, first)
    again = await post_transfer(session, dataclasses.replace(first))
    assert again.replayed
    assert again.transfer.id == posted.transfer.id
    assert again.transfer.created_at == posted.transfer.created_at
    assert await balance(session, books.savings) == 700
    assert await transfer_count(session) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"amount_minor": 701},
        {"memo": "other"},
        {"period": "2026-12"},
        {"reason": "adjustment"},
        {"credit_account_id": "ben"},
    ],
)
async def test_the_same_id_with_other_fields_is_a_conflict(
    session: AsyncSession, books: Books, change: dict[str, Any]
) -> None:
    first = request(books.world, books.savings, 700, period="2026-11", memo="tips")
    await post_transfer(session, first)
    if change.get("credit_account_id") == "ben":
        change = {"credit_account_id": books.ben.savings.id}
    with pytest.raises(TransferIdConflict) as raised:
        await post_transfer(session, dataclasses.replace(first, **change))
    assert (raised.value.slug, raised.value.status) == ("transfer-id-conflict", 409)
    assert await balance(session, books.savings) == 700
    assert await balance(session, books.ben.savings.id) == 0
    assert await transfer_count(session) == 1


async def test_a_member_account_cannot_go_below_zero(session: AsyncSession, books: Books) -> None:
    await post_transfer(session, request(books.world, books.savings, 1000))
    with pytest.raises(InsufficientFunds) as raised:
        await post_transfer(
            session, request(books.savings, books.world, 1001, reason="savings_withdrawal")
        )
    assert (raised.value.slug, raised.value.status) == ("insufficient-funds", 422)
    assert raised.value.extra["available_minor"] == 1000
    assert await balance(session, books.savings) == 1000
    assert books.ana.savings.balance_minor == 1000
    # Exactly what it holds may leave.
    await post_transfer(
        session, request(books.savings, books.world, 1000, reason="savings_withdrawal")
    )
    assert await balance(session, books.savings) == 0
    await assert_books_balance(session)


async def test_the_reserve_pays_only_what_it_holds_and_world_may_go_negative(
    session: AsyncSession, books: Books
) -> None:
    with pytest.raises(InsufficientFunds):
        await post_transfer(
            session, request(books.reserve, books.savings, 1, reason="smoothing_payout")
        )
    await post_transfer(session, request(books.world, books.reserve, 5, reason="reserve_funding"))
    assert await balance(session, books.world) == -5


async def test_a_currency_other_than_the_accounts_is_refused(
    session: AsyncSession, books: Books
) -> None:
    with pytest.raises(CurrencyMismatch) as raised:
        await post_transfer(session, request(books.world, books.savings, currency="EUR"))
    assert (raised.value.slug, raised.value.status) == ("currency-mismatch", 422)
    assert await transfer_count(session) == 0


async def test_accounts_of_different_pools_are_refused(session: AsyncSession, books: Books) -> None:
    other_pool = await open_pool_accounts(session, await make_pool(session))
    with pytest.raises(InvalidTransfer, match="same pool"):
        await post_transfer(session, request(books.world, other_pool.reserve.id))
    kes = await open_pool_accounts(session, await make_pool(session, "KES"))
    with pytest.raises((InvalidTransfer, CurrencyMismatch)):
        await post_transfer(session, request(books.world, kes.reserve.id, currency="KES"))
    assert await transfer_count(session) == 0


async def test_an_unknown_account_is_refused(session: AsyncSession, books: Books) -> None:
    missing = new_id()
    with pytest.raises(AccountNotFound) as raised:
        await post_transfer(session, request(books.world, missing))
    assert (raised.value.slug, raised.value.status) == ("account-not-found", 404)
    assert raised.value.extra["account_id"] == missing


@pytest.mark.parametrize(
    ("amount", "fields"),
    [
        (0, {}),
        (-5, {}),
        (True, {}),
        (1.5, {}),
        ("100", {}),
        (MAX_MINOR + 1, {}),
        (100, {"reason": "gift"}),
        (100, {"reason": "reversal"}),
        (100, {"reverses_id": "ANY"}),
        (100, {"period": "2026-13"}),
        (100, {"period": "2026-1"}),
        (100, {"period": " 2026-11"}),
        (100, {"memo": "x" * 201}),
        (100, {"id": "not-a-uuid"}),
    ],
)
async def test_malformed_transfers_are_refused(
    session: AsyncSession, books: Books, amount: Any, fields: dict[str, Any]
) -> None:
    if fields.get("reverses_id") == "ANY":
        fields = {"reverses_id": new_id()}
    with pytest.raises(InvalidTransfer) as raised:
        await post_transfer(session, request(books.world, books.savings, amount, **fields))
    assert (raised.value.slug, raised.value.status) == ("invalid-transfer", 422)
    assert await transfer_count(session) == 0


async def test_a_transfer_to_the_same_account_is_refused(
    session: AsyncSession, books: Books
) -> None:
    with pytest.raises(InvalidTransfer, match="different accounts"):
        await post_transfer(session, request(books.world, books.world))


async def test_a_batch_posts_all_or_nothing(session: AsyncSession, books: Books) -> None:
    await post_transfer(session, request(books.world, books.savings, 1000))
    batch = [
        request(books.world, books.ben.savings.id, 300),
        request(books.savings, books.ana.contribution.id, 400, reason="contribution"),
        request(books.savings, books.reserve, 700, reason="contribution_to_reserve"),
    ]
    with pytest.raises(InsufficientFunds):
        await post_transfers(session, batch)
    assert await transfer_count(session) == 1
    assert await balance(session, books.savings) == 1000
    assert await balance(session, books.ben.savings.id) == 0
    assert books.ana.savings.balance_minor == 1000
    assert books.ben.savings.balance_minor == 0
    # The caller's transaction is still usable, and a corrected batch goes through.
    results = await post_transfers(
        session, [*batch[:2], dataclasses.replace(batch[2], amount_minor=600)]
    )
    assert [r.replayed for r in results] == [False, False, False]
    assert await balance(session, books.savings) == 0
    assert await balance(session, books.reserve) == 600
    await assert_books_balance(session)


async def test_a_later_transfer_in_a_batch_may_spend_an_earlier_one(
    session: AsyncSession, books: Books
) -> None:
    first = request(books.world, books.savings, 900)
    results = await post_transfers(
        session,
        [first, request(books.savings, books.reserve, 900, reason="contribution"), first],
    )
    assert [r.replayed for r in results] == [False, False, True]
    assert await balance(session, books.reserve) == 900
    assert await balance(session, books.savings) == 0


async def test_a_reversal_restores_balances_and_names_what_it_corrects(
    session: AsyncSession, books: Books
) -> None:
    posted = await post_transfer(
        session, request(books.world, books.savings, 1200, period="2026-10")
    )
    reversal_id = new_id()
    result = await reverse_transfer(
        session, posted.transfer.id, reversal_id=reversal_id, memo="dup"
    )
    reversal = result.transfer
    assert not result.replayed
    assert (reversal.id, reversal.reason, reversal.reverses_id) == (
        reversal_id,
        "reversal",
        posted.transfer.id,
    )
    assert (reversal.debit_account_id, reversal.credit_account_id) == (books.savings, books.world)
    assert (reversal.amount_minor, reversal.period, reversal.memo) == (1200, "2026-10", "dup")
    assert await balance(session, books.savings) == 0
    assert await balance(session, books.world) == 0
    # The same reversal again is a replay; another reversal of it is refused.
    again = await reverse_transfer(session, posted.transfer.id, reversal_id=reversal_id, memo="dup")
    assert again.replayed
    with pytest.raises(AlreadyReversed) as raised:
        await reverse_transfer(session, posted.transfer.id, reversal_id=new_id())
    assert (raised.value.slug, raised.value.status) == ("already-reversed", 409)
    assert await transfer_count(session) == 2
    await assert_books_balance(session)


async def test_a_reversal_cannot_overdraw_a_member(session: AsyncSession, books: Books) -> None:
    income = await post_transfer(session, request(books.world, books.savings, 500))
    await post_transfer(
        session, request(books.savings, books.world, 200, reason="savings_withdrawal")
    )
    with pytest.raises(InsufficientFunds):
        await reverse_transfer(session, income.transfer.id, reversal_id=new_id())
    assert await balance(session, books.savings) == 300


async def test_a_reversal_must_mirror_the_transfer_it_names(
    session: AsyncSession, books: Books
) -> None:
    posted = await post_transfer(session, request(books.world, books.savings, 500))
    with pytest.raises(TransferNotFound) as raised:
        await reverse_transfer(session, new_id(), reversal_id=new_id())
    assert (raised.value.slug, raised.value.status) == ("transfer-not-found", 404)
    wrong = request(
        books.savings, books.world, 400, reason="reversal", reverses_id=posted.transfer.id
    )
    with pytest.raises(InvalidTransfer, match="same amount back"):
        await post_transfer(session, wrong)
    with pytest.raises(TransferNotFound):
        await post_transfer(session, dataclasses.replace(wrong, reverses_id=new_id()))
    assert await balance(session, books.savings) == 500


async def test_a_reversal_can_itself_be_reversed_once(session: AsyncSession, books: Books) -> None:
    posted = await post_transfer(session, request(books.world, books.savings, 500))
    undo = await reverse_transfer(session, posted.transfer.id, reversal_id=new_id())
    await reverse_transfer(session, undo.transfer.id, reversal_id=new_id())
    assert await balance(session, books.savings) == 500
    with pytest.raises(AlreadyReversed):
        await reverse_transfer(session, undo.transfer.id, reversal_id=new_id())


async def test_the_database_refuses_to_rewrite_a_transfer(
    session: AsyncSession, books: Books
) -> None:
    posted = await post_transfer(session, request(books.world, books.savings, 500))
    for statement in (
        "UPDATE ledger_transfers SET amount_minor = 1",
        "DELETE FROM ledger_transfers",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(text(statement))
    assert (await session.get(LedgerTransfer, posted.transfer.id)) is not None
    assert await balance(session, books.savings) == 500


def test_every_ledger_refusal_is_a_problem_with_a_stable_type() -> None:
    expected = {
        InvalidTransfer: ("invalid-transfer", 422),
        CurrencyMismatch: ("currency-mismatch", 422),
        InsufficientFunds: ("insufficient-funds", 422),
        AccountNotFound: ("account-not-found", 404),
        TransferNotFound: ("transfer-not-found", 404),
        TransferIdConflict: ("transfer-id-conflict", 409),
        AlreadyReversed: ("already-reversed", 409),
    }
    for error, (slug, status) in expected.items():
        assert issubclass(error, MutuaError)
        assert (error.slug, error.status) == (slug, status)
        assert error().type.endswith("/" + slug)
