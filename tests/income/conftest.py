"""Fixtures for income tests: a worker to own the records."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from pools.models import Worker


async def make_worker(session: AsyncSession) -> uuid.UUID:
    """A new worker with a phone number no other test uses."""
    worker = Worker(phone_e164=f"+1{uuid.uuid4().int % 10**13:013d}", timezone="UTC")
    session.add(worker)
    await session.flush()
    return worker.id


@pytest.fixture
async def worker_id(session: AsyncSession) -> uuid.UUID:
    return await make_worker(session)
