"""The figures behind three abuse limits, measured against a real server on PostgreSQL.

    .venv/bin/python bench/hardening_bench.py [--server postgresql+asyncpg://postgres@127.0.0.1:5432/test]

1. /health latency while 16 wrong-password administrator logins (1,024-character
   passwords) run at once: with the default attempt limits (most are refused before any
   hash), and with the limits out of the way (every one is a full argon2 check).
2. Sign-in codes sent when one client asks for codes to 300 different numbers.
3. Sign-in codes issued for 50 simultaneous requests for one phone, from one address and
   from 50 addresses (through a trusted proxy).

The server is `mutua`'s app under uvicorn in a process of its own, on a database made for
the run and dropped after it, with the SMS provider in memory. Figures from a shared
machine are indicative: compare them with each other, not with another machine's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.db import create_engine, session_factory  # noqa: E402
from pools.admins import create_admin  # noqa: E402
from pools.models import SignInCode  # noqa: E402
from tests.databases import migrate  # noqa: E402

SECRET = secrets.token_urlsafe(32)
ADMIN = "bench@example.org"
PASSWORD = "a long enough bench password"
PHONE = "+14155550142"


async def make_database(server: str) -> tuple[str, str]:
    url = make_url(server)
    name = f"mutua_bench_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name, url.set(database=name).render_as_string(hide_password=False)


async def drop_database(server: str, name: str) -> None:
    url = make_url(server)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def server(database_url: str, *, workers: int = 1, **settings: str) -> AsyncIterator[str]:
    """The app under uvicorn, in `workers` processes; yields its base URL, stops it after."""
    port = free_port()
    environment = {
        **os.environ,
        "MUTUA_DATABASE_URL": database_url,
        "MUTUA_SECRET_KEY": SECRET,
        "MUTUA_SMS_PROVIDER": "memory",
        "MUTUA_TRUSTED_PROXIES": "127.0.0.1",
        **settings,
    }
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app"),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "error"),
        *("--workers", str(workers)),
        env=environment,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,  # refusals are logged one a line: not figures
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(300):
                try:
                    if (await probe.get(f"{base}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        yield base
    finally:
        process.terminate()
        await process.wait()


async def health_latencies(client: httpx.AsyncClient, until: asyncio.Future[object]) -> list[float]:
    latencies = []
    while not until.done():
        started = time.perf_counter()
        await client.get("/health")
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.02)
    return latencies


def describe(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"median {statistics.median(ordered) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms, "
        f"max {ordered[-1] * 1000:6.1f} ms over {len(ordered)} probes"
    )


async def login_flood(database_url: str, **settings: str) -> None:
    async with server(database_url, **settings) as base:
        async with httpx.AsyncClient(base_url=base, timeout=120) as monitor:
            idle = []
            for _ in range(30):
                started = time.perf_counter()
                await monitor.get("/health")
                idle.append(time.perf_counter() - started)
            headers = {"X-Forwarded-For": f"198.51.100.{secrets.randbelow(200) + 1}"}
            async with httpx.AsyncClient(base_url=base, timeout=120, headers=headers) as guesser:
                body = {"email": ADMIN, "password": "x" * 1024}
                flood = asyncio.gather(
                    *(guesser.post("/v1/auth/admin/login", json=body) for _ in range(16))
                )
                busy = await health_latencies(monitor, flood)
                answers = Counter(response.status_code for response in await flood)
        print(f"    idle /health:           {describe(idle)}")
        print(f"    /health during logins:  {describe(busy)}")
        print(f"    the 16 logins answered: {dict(sorted(answers.items()))}")


async def pumping(database_url: str) -> None:
    async with (
        server(database_url) as base,
        httpx.AsyncClient(
            base_url=base, timeout=60, headers={"X-Forwarded-For": "203.0.113.99"}
        ) as pump,
    ):
        started = time.perf_counter()
        answers = Counter()
        for i in range(300):
            response = await pump.post("/v1/auth/otp", json={"phone": f"+1415555{2000 + i:04d}"})
            answers[response.status_code] += 1
        elapsed = time.perf_counter() - started
    issued = await codes_in(database_url)
    print(f"    answers: {dict(sorted(answers.items()))} in {elapsed:.1f} s")
    print(f"    codes issued (so texts sent): {issued}")


async def codes_in(database_url: str, phone: str | None = None) -> int:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            query = select(func.count()).select_from(SignInCode)
            if phone is not None:
                query = query.where(SignInCode.phone_e164 == phone)
            return int(await session.scalar(query) or 0)
    finally:
        await engine.dispose()


async def one_phone_at_once(database_url: str, phone: str, many_addresses: bool) -> None:
    async with server(database_url) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:

        def headers(i: int) -> dict[str, str]:
            return {"X-Forwarded-For": f"192.0.2.{i + 1}" if many_addresses else "192.0.2.250"}

        answers = await asyncio.gather(
            *(
                client.post("/v1/auth/otp", json={"phone": phone}, headers=headers(i))
                for i in range(50)
            )
        )
    statuses = Counter(response.status_code for response in answers)
    print(f"    answers: {dict(sorted(statuses.items()))}")
    print(f"    codes issued for the phone: {await codes_in(database_url, phone)}")


async def main(server_url: str) -> None:
    name, database_url = await make_database(server_url)
    try:
        await asyncio.to_thread(migrate, database_url)
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            await create_admin(session, ADMIN, PASSWORD)
            await session.commit()
        await engine.dispose()

        print("1. /health under 16 parallel wrong-password administrator logins")
        print("  with the default attempt limits:")
        await login_flood(database_url)
        print("  with the limits out of the way (every login a full password check):")
        await login_flood(
            database_url,
            MUTUA_ADMIN_LOGIN_FAILURES_PER_CLIENT="100000",
            MUTUA_ADMIN_LOGIN_FAILURES_PER_ADDRESS="100000",
            MUTUA_ADMIN_LOGIN_FAILURES_PER_ACCOUNT="100000",
        )
        print("2. one client asks for sign-in codes to 300 different numbers")
        await pumping(database_url)
        print("3. 50 simultaneous sign-in code requests for one phone (PostgreSQL)")
        print("  from one address:")
        await one_phone_at_once(database_url, "+14155550143", many_addresses=False)
        print("  from 50 addresses:")
        await one_phone_at_once(database_url, "+14155550144", many_addresses=True)
    finally:
        await drop_database(server_url, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server",
        default=os.environ.get(
            "MUTUA_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL server to make the run's database on",
    )
    asyncio.run(main(parser.parse_args().server))
