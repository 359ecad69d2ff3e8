"""`mutua last-code` finds the code a phone asked for last in the development SMS file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from api.last_code import NoCode, last_sign_in_code
from core.db import create_engine, session_factory
from core.settings import Settings
from notifications.dispatcher import dispatch_pending
from notifications.providers import FileSmsProvider
from tests.api.conftest import SECRET

Served = tuple[AsyncTestClient[Any], async_sessionmaker[AsyncSession], Path]

PHONE = "+14155550111"
OTHER = "+14155550112"


@pytest.fixture
async def served(database_url: str, tmp_path: Path) -> AsyncIterator[Served]:
    """The app writing its texts to a file, as `make run` does."""
    path = tmp_path / "sms-outbox.jsonl"
    provider = FileSmsProvider(path)
    settings = Settings(database_url=database_url, secret_key=SECRET, sms_provider=f"file:{path}")
    app = create_app(settings, sms_provider=provider, run_outbox_worker=False)
    engine = create_engine(database_url)
    try:
        async with AsyncTestClient(app=app) as client:
            yield client, session_factory(engine), path
    finally:
        await engine.dispose()


async def test_the_newest_code_of_the_phone_and_only_until_it_is_used(served: Served) -> None:
    client, sessions, path = served
    with pytest.raises(NoCode, match="no sign-in code was asked"):
        await last_sign_in_code(sessions, PHONE, path, wait=0)
    for phone in (PHONE, PHONE, OTHER):  # the last line of the file is another phone's
        assert (await client.post("/v1/auth/otp", json={"phone": phone})).status_code == 202
    with pytest.raises(NoCode, match="has not been written"):
        await last_sign_in_code(sessions, PHONE, path, wait=0)  # not sent yet
    await dispatch_pending(sessions, FileSmsProvider(path))

    code = await last_sign_in_code(sessions, PHONE, path, wait=0)
    verified = await client.post("/v1/auth/otp/verify", json={"phone": PHONE, "code": code})
    assert verified.status_code == 200, verified.text  # the newest code, not the one before
    with pytest.raises(NoCode, match="used already"):
        await last_sign_in_code(sessions, PHONE, path, wait=0)
