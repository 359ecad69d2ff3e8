"""Signed inbound SMS webhooks per second, each a database write, on PostgreSQL.

    .venv/bin/python bench/sms_webhook.py [--requests 3000] [--concurrency 32]
        [--server postgresql+asyncpg://postgres@127.0.0.1:5432/test]

A pool of 200 members is seeded on a database made for the run (dropped after it); the app
runs under uvicorn in a process of its own with Twilio configured. Each request is a
Twilio-format webhook signed as Twilio signs it, from one of the members, saying BALANCE:
the signature check, the MessageSid record, the per-phone limit's counter (two writes),
the member's balance (reads) and a TwiML reply. The load generator runs in this process,
on the same two cores as the server. Prints requests per second and latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from hardening_bench import drop_database, make_database, server  # noqa: E402

from channels.twilio_signature import SIGNATURE_HEADER, signature  # noqa: E402
from core.db import create_engine, session_factory  # noqa: E402
from pools.admins import create_admin  # noqa: E402
from pools.models import Worker  # noqa: E402
from pools.service import create_pool, join_pool  # noqa: E402
from tests.databases import migrate  # noqa: E402

ACCOUNT = "AC" + "5" * 32
TOKEN = "bench-twilio-auth-token"
PUBLIC = "https://mutua.example.org"
MEMBERS = 200


async def seed(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    phones = [f"+1415555{index:04d}" for index in range(MEMBERS)]
    async with session_factory(engine)() as session:
        admin = await create_admin(session, "bench@example.org", "a long bench passphrase")
        pool = await create_pool(session, admin.id, name="Bench Riders", currency="USD")
        for phone in phones:
            worker = Worker(phone_e164=phone, timezone="UTC", sms_opted_out=False)
            session.add(worker)
            await session.flush()
            await join_pool(session, worker, pool.join_code, welcome_by_sms=False)
        await session.commit()
    await engine.dispose()
    return phones


async def load(base: str, phones: list[str], requests: int, concurrency: int) -> list[float]:
    url = PUBLIC + "/v1/sms/twilio"
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(requests):
        queue.put_nowait(number)
    latencies: list[float] = []
    failures = 0
    rng = random.Random(7)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while not queue.empty():
            number = queue.get_nowait()
            form = {
                "MessageSid": f"SM{number:032x}",
                "AccountSid": ACCOUNT,
                "From": rng.choice(phones),
                "To": "+15005550006",
                "Body": "BALANCE",
                "NumSegments": "1",
            }
            headers = {SIGNATURE_HEADER: signature(TOKEN, url, form.items())}
            started = time.perf_counter()
            response = await client.post("/v1/sms/twilio", data=form, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or "<Message>Savings" not in response.text:
                failures += 1

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    if failures:
        raise SystemExit(f"{failures} webhooks were not answered with a balance")
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    name, database_url = await make_database(args.server)
    try:
        await asyncio.to_thread(migrate, database_url)
        phones = await seed(database_url)
        settings = {
            "MUTUA_PUBLIC_URL": PUBLIC,
            "MUTUA_TWILIO_ACCOUNT_SID": ACCOUNT,
            "MUTUA_TWILIO_AUTH_TOKEN": TOKEN,
            "MUTUA_SMS_INBOUND_PER_HOUR": "1000000",
        }
        async with server(database_url, **settings) as base:
            await load(base, phones, 200, args.concurrency)  # warm-up, not counted
            started = time.perf_counter()
            latencies = await load(base, phones, args.requests, args.concurrency)
            elapsed = time.perf_counter() - started
        print(
            f"signed inbound webhooks on PostgreSQL: {args.requests} requests, "
            f"{args.concurrency} at a time, {MEMBERS} members"
        )
        print(f"  throughput: {args.requests / elapsed:.0f} webhooks/s")
        print(
            f"  latency: p50 {percentile(latencies, 0.50) * 1000:.1f} ms, "
            f"p90 {percentile(latencies, 0.90) * 1000:.1f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
            f"mean {statistics.fmean(latencies) * 1000:.1f} ms"
        )
    finally:
        await drop_database(args.server, name)


if __name__ == "__main__":
    asyncio.run(main())
