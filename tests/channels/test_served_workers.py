"""`mutua serve --workers 2` on PostgreSQL: two processes answer texts as one service.

A deployment that takes many texts runs a server process a core; each process builds its
own app from the same environment. Texts reach either process, a gateway's retry of one
message may reach the other one, and the message still has exactly one effect.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from api.cli import main
from channels.models import InboundMessage
from core.db import create_engine, session_factory
from tests.api.conftest import SECRET, free_port
from tests.channels.conftest import (
    INBOUND_URL,
    PUBLIC_URL,
    TWILIO_ACCOUNT,
    TWILIO_TOKEN,
    message_of,
    signed,
)
from tests.databases import PostgresDatabases

ROOT = Path(__file__).resolve().parents[2]
MUTUA = str(Path(sys.executable).parent / "mutua")


def _workers(pid: int) -> list[int]:
    """The server processes uvicorn started under `pid` (not its resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
            command = (entry / "cmdline").read_bytes() if stat else b""
        except OSError:
            continue
        if (
            stat
            and int(stat[stat.rindex(")") + 2 :].split()[1]) == pid
            and b"spawn_main" in command
        ):
            found.append(int(entry.name))
    return found


@pytest.fixture
async def served(
    postgres_template: tuple[PostgresDatabases, str],
) -> AsyncIterator[tuple[str, str, int]]:
    databases, template = postgres_template
    database_url = databases.url_for(await databases.create(template=template))
    port = free_port()
    environment = {
        **os.environ,
        "MUTUA_DATABASE_URL": database_url,
        "MUTUA_SECRET_KEY": SECRET,
        "MUTUA_SMS_PROVIDER": "memory",
        "MUTUA_PUBLIC_URL": PUBLIC_URL,
        "MUTUA_TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT,
        "MUTUA_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    }
    server = await asyncio.create_subprocess_exec(
        *(MUTUA, "serve", "--workers", "2", "--port", str(port)),
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(600):
                if len(_workers(server.pid)) >= 2:
                    try:
                        if (await probe.get(f"{base}/ready")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail("mutua serve --workers 2 was not ready within 60 seconds")
        yield base, database_url, server.pid
    finally:
        server.terminate()
        try:
            await asyncio.wait_for(server.wait(), timeout=20)
        except TimeoutError:
            server.kill()
            await server.wait()


async def _text(client: httpx.AsyncClient, phone: str, body: str, sid: str) -> str | None:
    form = {
        "MessageSid": sid,
        "AccountSid": TWILIO_ACCOUNT,
        "From": phone,
        "To": "+14155550000",
        "Body": body,
        "NumSegments": "1",
    }
    response = await client.post("/v1/sms/twilio", data=form, headers=signed(INBOUND_URL, form))
    assert response.status_code == 200, response.text
    return message_of(response.text)


async def test_two_processes_answer_texts_and_a_retry_has_one_effect(
    served: tuple[str, str, int],
) -> None:
    base, database_url, pid = served
    assert len(_workers(pid)) == 2
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        replies = await asyncio.gather(
            *(_text(client, f"+1415555{n:04d}", "HELP", f"SM{n:032x}") for n in range(40))
        )
        # One message delivered eight times at once, as a gateway's retries can be.
        retried = await asyncio.gather(
            *(_text(client, "+14155559999", "HELP", "SM" + "f" * 32) for _ in range(8))
        )
    assert len(set(replies)) == 1 and replies[0]  # +1 phones: the English help, 40 times
    assert len(set(retried)) == 1 and retried[0]
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            stored = await session.scalar(select(func.count()).select_from(InboundMessage))
    finally:
        await engine.dispose()
    assert stored == 41


@pytest.mark.parametrize(
    ("arguments", "database_url", "refusal"),
    [
        (["--workers", "2"], "sqlite+aiosqlite:///var/never.db", "--workers needs PostgreSQL"),
        (
            ["--workers", "2", "--with-scheduler"],
            "postgresql+asyncpg://postgres@127.0.0.1:5432/never",
            "start `mutua scheduler` beside the workers",
        ),
        (["--workers", "0"], "sqlite+aiosqlite:///var/never.db", "is not in the range"),
    ],
    ids=["sqlite", "scheduler", "zero"],
)
def test_serve_refuses_workers_it_cannot_run(
    arguments: list[str], database_url: str, refusal: str
) -> None:
    result = CliRunner().invoke(
        main,
        ["serve", *arguments],
        env={"MUTUA_DATABASE_URL": database_url, "MUTUA_SECRET_KEY": SECRET},
    )
    assert result.exit_code == 2
    assert refusal in result.output
