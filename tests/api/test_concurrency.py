"""Requests that arrive at once: a double tap, a retry over a flaky connection, a flood.

Served by uvicorn on a real socket (the in-process test client runs one request at a
time), on PostgreSQL and SQLite. PostgreSQL is where these races bit: its transactions
really run side by side, where SQLite takes one writer at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.idempotency_models import IdempotencyRecord
from api.tokens import Principal, issue_token
from core.clock import utcnow
from core.db import create_engine, session_factory
from core.periods import Period
from income.models import IncomeRecord
from income.service import record_manual
from notifications.models import OutboxMessage
from pools.models import Membership, SignInCode, Worker
from tests.api.conftest import SECRET, Serve, assert_problem, free_port, gather_all
from tests.databases import ROOT

US_PHONE = "+14155550191"


async def test_a_phone_gets_five_codes_however_many_ask_at_once(serve: Serve) -> None:
    """Fifty requests at once for one phone, from fifty addresses: the count and the insert
    do not interleave."""
    async with serve() as live, live.client() as client:
        answers = await gather_all(
            *(
                client.post(
                    "/v1/auth/otp",
                    json={"phone": US_PHONE},
                    headers={"X-Forwarded-For": f"198.51.100.{100 + i}"},
                )
                for i in range(50)
            )
        )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [202] * 5 + [429] * 45, statuses
        for answer in answers:
            if answer.status_code == 429:
                assert_problem(answer, 429, "too-many-codes")
        async with live.db() as session:
            stored = await session.scalar(
                select(func.count()).where(SignInCode.phone_e164 == US_PHONE)
            )
        assert stored == 5
        await live.deliver()
        assert len(live.sms.messages_to(US_PHONE)) == 5


async def test_joining_fifty_times_at_once_answers_the_one_membership(serve: Serve) -> None:
    async with serve() as live, live.client() as client:
        admin = await live.admin_headers("coop@example.org")
        pool = await client.post(
            "/v1/pools", json={"name": "Riders", "currency": "USD"}, headers=admin
        )
        assert pool.status_code == 201, pool.text
        worker = await live.worker_headers(US_PHONE)
        code = {"code": pool.json()["code"]}
        answers = await gather_all(
            *(client.post("/v1/pools/join", json=code, headers=worker) for _ in range(50))
        )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200] * 49 + [201], [a.text for a in answers if a.status_code >= 300]
        assert len({answer.json()["id"] for answer in answers}) == 1
        async with live.db() as session:
            members = await session.scalar(select(func.count()).select_from(Membership))
            welcomes = await session.scalar(
                select(func.count()).where(OutboxMessage.template == "pool.welcome")
            )
        assert (members, welcomes) == (1, 1)


INCOME = {"platform": "uber", "month": "2026-09", "amount_minor": 50_000, "currency": "USD"}


async def _worker_with_a_month(database_url: str) -> tuple[uuid.UUID, dict[str, str]]:
    """A worker who recorded September already, and a token for them."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            worker = Worker(phone_e164=US_PHONE, timezone="UTC", sms_opted_out=False)
            session.add(worker)
            await session.flush()
            await record_manual(
                session,
                worker.id,
                platform="uber",
                period=Period(2026, 9),
                amount_minor=40_000,
                currency="USD",
            )
            await session.commit()
    finally:
        await engine.dispose()
    token = issue_token(SECRET, Principal(kind="worker", id=worker.id), 3600)
    return worker.id, {"Authorization": f"Bearer {token}", "Idempotency-Key": "september"}


@asynccontextmanager
async def september_locked(database_url: str, worker_id: uuid.UUID) -> AsyncIterator[None]:
    """Hold the worker's September row, so a correction of it waits until we let go: a
    request that runs as long as the test likes."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(
                select(IncomeRecord.id).where(IncomeRecord.worker_id == worker_id).with_for_update()
            )
            yield
            await connection.rollback()
    finally:
        await engine.dispose()


async def _in_flight(live_db: async_sessionmaker[AsyncSession]) -> IdempotencyRecord | None:
    async with live_db() as session:
        found: IdempotencyRecord | None = await session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.state == "in_flight")
        )
        return found


async def _until(check: Callable[[], Awaitable[bool]], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "waited too long"
        await asyncio.sleep(0.05)


def _skip_unless_postgres(backend: str) -> None:
    if backend != "postgresql":
        # SQLite's one writer holds the whole database while a request runs: the row lock
        # these tests hold to keep a request running would hold everything else too.
        pytest.skip("needs row locks that leave the rest of the database writable")


async def test_a_long_request_keeps_its_key_and_then_answers_the_retries(
    serve: Serve, database_url: str, backend: str
) -> None:
    _skip_unless_postgres(backend)
    worker_id, headers = await _worker_with_a_month(database_url)
    async with serve(idempotency_lease_seconds=1) as live, live.client() as client:
        async with september_locked(database_url, worker_id):
            first = asyncio.ensure_future(
                client.post("/v1/me/income", json=INCOME, headers=headers)
            )
            await _until(lambda: _present(live.db), 5)
            await asyncio.sleep(2.5)  # more than two leases: it lives on by renewing
            record = await _in_flight(live.db)
            assert record is not None and record.lease_expires_at is not None
            assert record.lease_expires_at > utcnow()
            retry = await client.post("/v1/me/income", json=INCOME, headers=headers)
            assert_problem(retry, 409, "idempotency-request-in-flight")
        answered = await first
        assert answered.status_code == 200, answered.text  # a correction of September
        again = await client.post("/v1/me/income", json=INCOME, headers=headers)
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.content == answered.content


async def _present(live_db: async_sessionmaker[AsyncSession]) -> bool:
    return await _in_flight(live_db) is not None


async def test_a_retry_after_a_crash_goes_through_within_seconds(
    serve: Serve, database_url: str, backend: str
) -> None:
    """kill -9 in the middle of a request: its retry must not be blocked for minutes."""
    _skip_unless_postgres(backend)
    worker_id, headers = await _worker_with_a_month(database_url)
    port = free_port()
    environment = {
        **os.environ,
        "MUTUA_DATABASE_URL": database_url,
        "MUTUA_SECRET_KEY": SECRET,
        "MUTUA_SMS_PROVIDER": "memory",
        "MUTUA_IDEMPOTENCY_LEASE_SECONDS": "2",
    }
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app"),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
    ]
    doomed = await asyncio.create_subprocess_exec(*command, env=environment, cwd=ROOT)
    try:
        async with (
            september_locked(database_url, worker_id),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
        ):
            await _until(lambda: _answers(client), 90)  # a cold start on a busy machine
            request = asyncio.ensure_future(
                client.post("/v1/me/income", json=INCOME, headers=headers)
            )
            engine = create_engine(database_url)
            try:
                await _until(lambda: _present(session_factory(engine)), 30)
            finally:
                await engine.dispose()
            doomed.send_signal(signal.SIGKILL)
            await doomed.wait()
            killed_at = time.monotonic()
            with contextlib.suppress(httpx.HTTPError):
                await request
    finally:
        if doomed.returncode is None:
            doomed.kill()
            await doomed.wait()

    async with serve(idempotency_lease_seconds=2) as live, live.client() as client:
        statuses = []
        while True:
            retry = await client.post("/v1/me/income", json=INCOME, headers=headers)
            statuses.append(retry.status_code)
            if retry.status_code != 409:
                break
            assert time.monotonic() - killed_at < 5, statuses
            await asyncio.sleep(0.2)
    assert retry.status_code == 200, retry.text
    assert time.monotonic() - killed_at < 5


async def _answers(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/health")).status_code == 200
    except httpx.TransportError:
        return False
