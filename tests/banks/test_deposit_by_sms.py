"""A deposit nothing recognised is asked about by SMS; the answer by SMS is kept for its payer."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from banks.models import BankDeposit, BankItem
from channels.conversation import Context, converse
from core.clock import utcnow
from fakes.plaid.bank_data import FakeTransaction
from income.models import IncomeRecord
from notifications.models import OutboxMessage
from tests.api.conftest import SECRET, Serve
from tests.banks.conftest import BankApi, RunningFake, bank_api

PHONE = "+14155550166"


async def _deposit(bank: BankApi, name: str, amount: float) -> str:
    async with bank.live.db() as session:
        stored = (await session.scalars(select(BankItem))).one()
    item = bank.plaid.item(stored.plaid_item_id)
    txn = FakeTransaction(
        item.ids(), item.bank.accounts[0].account_id, -amount, date.today(), name, None, None,
        "TRANSFER_IN_DEPOSIT", "taskrabbit",
    )  # fmt: skip
    item.bank.transactions.append(txn)
    item.record("added", txn)
    before = stored.last_synced_at.isoformat() if stored.last_synced_at else None
    await bank.plaid.fake.send_webhook(item)
    await bank.wait_synced(str(stored.id), after=before)
    return txn.transaction_id


async def _text(bank: BankApi, body: str) -> str:
    context = Context(secret=SECRET, support="+1 800 555 0100", inbound_per_hour=100, now=utcnow())
    async with bank.live.db() as session:
        reply = await converse(session, PHONE, body, context)
        await session.commit()
    assert reply.text is not None
    return reply.text


async def test_a_new_payer_is_asked_about_once_and_answered_by_sms(
    serve: Serve, fake_plaid: RunningFake
) -> None:
    async with bank_api(serve, fake_plaid, phone=PHONE) as bank:
        await bank.link(seed=41)
        first = await _deposit(bank, "ZELLE FROM ROSA ALVAREZ", 80.0)
        await _deposit(bank, "ZELLE FROM ROSA ALVAREZ", 60.0)  # same payer: not asked again
        async with bank.live.db() as session:
            asked = (
                await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.template == "bank.deposit_ask")
                )
            ).all()
        about_rosa = [m for m in asked if "ROSA ALVAREZ" in m.body]
        assert len(about_rosa) == 1 and "DEPOSIT" in about_rosa[0].body
        assert "counts as TaskRabbit income" in await _text(bank, "DEPOSIT taskrabbit")
        async with bank.live.db() as session:
            made = await session.scalar(
                select(func.count()).where(
                    IncomeRecord.kind == "plaid", IncomeRecord.platform == "taskrabbit"
                )
            )
            decided = await session.scalar(
                select(BankDeposit).where(BankDeposit.transaction_id == first)
            )
        assert made == 2 and decided is not None and decided.decided_by in {"worker", "remembered"}
        await _deposit(bank, "MOBILE CHECK DEPOSIT", 25.0)
        assert "not counted as income" in await _text(bank, "DEPOSIT NO")
        waiting = await bank.deposits("unreviewed")
        assert not [
            d
            for d in waiting
            if d["counterparty"] in {"MOBILE CHECK DEPOSIT", "ZELLE FROM ROSA ALVAREZ"}
        ]
