"""A small pool with a sick-leave benefit, on the test's rolled-back session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Actor
from benefits import choose_tier, set_plan
from pools.admins import create_admin
from pools.ledger_queries import balances_by_currency, transfer_sums_by_currency
from pools.models import Administrator, Membership, Pool, Worker
from pools.service import create_pool
from pools.viewer import Viewer

TIERS = [
    {"benefit_minor": 60_000, "contribution_minor": 1_500},
    {"benefit_minor": 120_000, "contribution_minor": 3_000},
]
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@dataclass
class Coop:
    pool: Pool
    admin: Administrator
    viewer: Viewer
    actor: Actor
    workers: list[Worker]
    memberships: list[Membership]


async def make_coop(session: AsyncSession, joined: list[date], **rules: object) -> Coop:
    admin = await create_admin(session, f"a{uuid.uuid4().hex[:8]}@coop.example.org", "x" * 16)
    pool = await create_pool(session, admin.id, name="Riders", currency="USD")
    viewer = Viewer.of_admin(admin)
    actor = Actor.administrator(admin.id, admin.email, "198.51.100.9")
    workers, members = [], []
    for i, day in enumerate(joined):
        worker = Worker(phone_e164=f"+1415777{uuid.uuid4().int % 10_000:04d}", language=None)
        if i == 1:
            worker.language = "es"
        session.add(worker)
        await session.flush()
        member = Membership(pool_id=pool.id, worker_id=worker.id, joined_on=day)
        session.add(member)
        await session.flush()
        workers.append(worker)
        members.append(member)
    await set_plan(session, viewer, actor, pool.id, "sick", {"tiers": TIERS, **rules})
    for worker in workers:
        await choose_tier(session, worker, pool.id, "sick", 2)
    return Coop(pool, admin, viewer, actor, workers, members)


@pytest.fixture
async def coop(session: AsyncSession) -> Coop:
    return await make_coop(session, [date(2025, 1, 15)] * 4 + [date(2026, 9, 1)])


async def ledger_balances(session: AsyncSession) -> None:
    assert set((await balances_by_currency(session)).values()) <= {0}
    assert set((await transfer_sums_by_currency(session)).values()) <= {0}


async def count(session: AsyncSession, model: type, **where: object) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return int(await session.scalar(query) or 0)
