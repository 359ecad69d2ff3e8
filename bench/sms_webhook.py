"""Signed inbound SMS webhooks per second, each a database write, on PostgreSQL.

    .venv/bin/python bench/sms_webhook.py [--requests 3000] [--concurrency 32] [--rate R]
        [--workers 2] [--server postgresql+asyncpg://postgres@127.0.0.1:5432/test]

A pool of 200 members is seeded on a database made for the run (dropped after it); the app
runs under uvicorn in a process of its own with Twilio configured. Each request is a
Twilio-format webhook signed as Twilio signs it, from one of the members, saying BALANCE:
the signature check, the MessageSid record, the per-phone limit's counter (two writes),
the member's balance (reads) and a TwiML reply. The load generator runs in this process,
on the same two cores as the server, its heap frozen while it measures so its own garbage
collection is not charged to the server. Prints requests per second, latency percentiles,
CPU per webhook and, with `--rate`, the seconds whose texts waited longest.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

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


def signed_requests(host: str, phones: list[str], first: int, count: int) -> list[bytes]:
    """Every request of a round, signed ahead of time so the timed loop only sends."""
    url = PUBLIC + "/v1/sms/twilio"
    rng = random.Random(first)
    requests = []
    for number in range(first, first + count):
        form = {
            "MessageSid": f"SM{number:032x}",
            "AccountSid": ACCOUNT,
            "From": rng.choice(phones),
            "To": "+15005550006",
            "Body": "BALANCE",
            "NumSegments": "1",
        }
        body = urlencode(form).encode()
        head = (
            f"POST /v1/sms/twilio HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"{SIGNATURE_HEADER}: {signature(TOKEN, url, form.items())}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return requests


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """One request on a kept-alive connection: its status and body."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def _check(status: int, body: bytes) -> bool:
    return status == 200 and b"<Message>Savings" in body


async def load(base: str, requests: list[bytes], concurrency: int) -> list[float]:
    """Sends the requests over `concurrency` kept-alive connections, each sending its next
    as soon as it has an answer (a closed loop: the most the server can take); their
    latencies.

    A plain HTTP/1.1 client over asyncio streams: the load generator shares the server's two
    cores, and a full client library costs more CPU per request than the server does.
    """
    address = urlsplit(base)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    latencies: list[float] = []
    failures = 0

    async def connection() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(address.hostname, address.port)
        try:
            while not queue.empty():
                request = queue.get_nowait()
                started = time.perf_counter()
                status, body = await exchange(reader, writer, request)
                latencies.append(time.perf_counter() - started)
                failures += not _check(status, body)
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    if failures:
        raise SystemExit(f"{failures} webhooks were not answered with a balance")
    return latencies


async def paced(base: str, requests: list[bytes], rate: float, connections: int) -> list[float]:
    """Sends request i at `i / rate` seconds, as texts arrive from many phones whatever the
    server is doing (an open loop), over up to `connections` kept-alive connections; each
    latency counts from the moment its request was due, so a server that falls behind is
    charged for the wait it causes."""
    address = urlsplit(base)
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await asyncio.open_connection(address.hostname, address.port))
    latencies: list[float] = []
    dues: list[float] = []
    failures = 0
    start = time.perf_counter() + 0.05

    async def send(due: float, request: bytes) -> None:
        nonlocal failures
        reader, writer = await idle.get()
        try:
            status, body = await exchange(reader, writer, request)
        finally:
            idle.put_nowait((reader, writer))
        latencies.append(time.perf_counter() - due)
        dues.append(due - start)
        failures += not _check(status, body)

    # Each request is started when it falls due: thousands started at once up front would
    # cost the first second a burst of the generator's own work.
    sending: list[asyncio.Task[None]] = []
    for index, request in enumerate(requests):
        due = start + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        sending.append(asyncio.create_task(send(due, request)))
    await asyncio.gather(*sending)
    while not idle.empty():
        idle.get_nowait()[1].close()
    if failures:
        raise SystemExit(f"{failures} webhooks were not answered with a balance")
    slow_seconds(dues, latencies)
    return latencies


def slow_seconds(dues: list[float], latencies: list[float], shown: int = 3) -> None:
    """The seconds of the run whose texts waited longest: a stall (a pause of the server, the
    database or the machine) shows as one slow second, steady overload as many."""
    worst: dict[int, float] = {}
    for due, latency in zip(dues, latencies, strict=True):
        worst[int(due)] = max(worst.get(int(due), 0.0), latency)
    slowest = sorted(worst.items(), key=lambda item: -item[1])[:shown]
    print(
        "  slowest seconds: "
        + ", ".join(f"at {second} s {latency * 1000:.0f} ms" for second, latency in slowest)
        + f" (of {len(worst)})"
    )


def cpu_seconds(match: Callable[[int, str, str], bool]) -> float:
    """User and system CPU seconds so far of the live processes `match(pid, name, cmdline)`
    picks: measured this way, the figure holds even when the machine is not idle."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if match(int(entry.name), name, _cmdline(entry.name)):
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:  # gone since the listing
        return ""


def server_processes(port: int) -> Callable[[int, str, str], bool]:
    """The uvicorn process serving `port` and its worker processes."""
    parents = {
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and f"--port {port} " in _cmdline(entry.name)
    }

    def match(pid: int, name: str, cmdline: str) -> bool:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        return pid in parents or parent in parents

    return match


def postgres(pid: int, name: str, cmdline: str) -> bool:
    return name == "postgres"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument(
        "--concurrency", type=int, default=32, help="requests in flight (connections)"
    )
    parser.add_argument(
        "--rate",
        type=float,
        help="send this many webhooks a second whatever the answers (an open loop), and "
        "measure latency from when each was due; without it, as fast as answers come",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="uvicorn worker processes (mutua serve --workers)"
    )
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
        async with server(database_url, workers=args.workers, **settings) as base:
            host = urlsplit(base).netloc
            warm_up = signed_requests(host, phones, 0, 400)
            timed = signed_requests(host, phones, len(warm_up), args.requests)
            await load(base, warm_up, args.concurrency)  # every worker warmed, not counted
            serving = server_processes(urlsplit(base).port or 80)
            server_cpu, database_cpu = cpu_seconds(serving), cpu_seconds(postgres)
            # The load generator's own pauses would be charged to the server: its heap (the
            # app's modules, imported to seed) is set aside from collection while it measures.
            gc.collect()
            gc.freeze()
            started = time.perf_counter()
            if args.rate:
                latencies = await paced(base, timed, args.rate, args.concurrency)
            else:
                latencies = await load(base, timed, args.concurrency)
            elapsed = time.perf_counter() - started
            server_cpu = cpu_seconds(serving) - server_cpu
            database_cpu = cpu_seconds(postgres) - database_cpu
        print(
            f"signed inbound webhooks on PostgreSQL: {args.requests} requests, "
            + (
                f"offered at {args.rate:.0f}/s over {args.concurrency} connections, "
                if args.rate
                else f"{args.concurrency} at a time, "
            )
            + f"{MEMBERS} members, "
            f"{args.workers} server process{'es' if args.workers > 1 else ''}"
        )
        print(f"  throughput: {args.requests / elapsed:.0f} webhooks/s")
        print(
            f"  latency: p50 {percentile(latencies, 0.50) * 1000:.1f} ms, "
            f"p90 {percentile(latencies, 0.90) * 1000:.1f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
            f"mean {statistics.fmean(latencies) * 1000:.1f} ms"
        )
        print(
            f"  CPU per webhook: server {server_cpu / args.requests * 1000:.2f} ms, "
            f"PostgreSQL {database_cpu / args.requests * 1000:.2f} ms"
        )
    finally:
        await drop_database(args.server, name)


if __name__ == "__main__":
    asyncio.run(main())
