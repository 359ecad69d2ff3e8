"""Requests that arrive at once: a double tap, a retry over a flaky connection, a flood.

Served by uvicorn on a real socket (the in-process test client runs one request at a
time), on PostgreSQL and SQLite. PostgreSQL is where these races bit: its transactions
really run side by side, where SQLite takes one writer at a time.
"""

from __future__ import annotations

from sqlalchemy import func, select

from notifications.models import OutboxMessage
from pools.models import Membership, SignInCode
from tests.api.conftest import Serve, assert_problem, gather_all

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
