"""The monthly run syncs every linked bank of the pool's members before it closes income."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace

from sqlalchemy import select

from banks.models import BankItem
from banks.service import BankLink, add_item
from banks.sync import pool_sync_for
from core.settings import Settings
from income.models import IncomeRecord
from pools.models import Membership
from runs.runner import MonthlyRunner
from tests.banks.conftest import RunningFake
from tests.runs.conftest import FAST, Demo
from tests.runs.conftest import demo as demo  # the fixture, for the test here


async def test_the_run_syncs_members_banks_before_closing_income(
    demo: Demo, fake_plaid: RunningFake
) -> None:
    settings = replace(
        Settings(database_url=demo.url, secret_key=secrets.token_urlsafe(32)),
        plaid=fake_plaid.settings(),
    )
    link = BankLink(settings)
    async with demo.sessions() as session:
        member = await session.scalar(select(Membership).where(Membership.pool_id == demo.pool_id))
        assert member is not None
        token = await asyncio.to_thread(fake_plaid.public_token, None, 31)
        item = await add_item(session, link, member.worker_id, token)
        item.sync_requested_at = None  # only the run will sync it
        await session.commit()
        item_id = item.id
    runner = MonthlyRunner(demo.sessions, replace(FAST, bank_sync=pool_sync_for(settings)))
    outcome = await runner.run(demo.pool_id, demo.period)
    assert outcome.status == "succeeded"
    assert outcome.run.report["bank_sync"] == {"synced": 1}
    async with demo.sessions() as session:
        synced = await session.get(BankItem, item_id)
        imported = (
            await session.scalars(select(IncomeRecord).where(IncomeRecord.kind == "plaid"))
        ).all()
    assert synced is not None and synced.last_synced_at is not None
    assert imported and {r.worker_id for r in imported} == {member.worker_id}
