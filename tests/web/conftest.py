"""The app's pages through Litestar's test client, with cookies kept like a browser's and
the HTML parsed (BeautifulSoup), on a fresh migrated database per test."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from bs4 import BeautifulSoup
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from core.db import create_engine, session_factory
from core.settings import Settings
from notifications.dispatcher import dispatch_pending
from notifications.providers import MemorySmsProvider
from pools.admins import create_admin
from tests.api.conftest import ADMIN_PASSWORD, SECRET


def parse(response: Response) -> BeautifulSoup:
    assert response.headers["content-type"].startswith("text/html"), response.text[:300]
    return BeautifulSoup(response.text, "html.parser")


@dataclass
class Site:
    """A visitor of the pages: one cookie jar, so one person signed in at a time."""

    client: AsyncTestClient[Litestar]
    sms: MemorySmsProvider
    db: async_sessionmaker[AsyncSession]

    async def page(self, path: str, status: int = 200, **kwargs: Any) -> BeautifulSoup:
        response = await self.client.get(path, **kwargs)
        assert response.status_code == status, (path, response.status_code, response.text[:500])
        return parse(response)

    async def csrf(self, path: str) -> str:
        """The CSRF token the form on `path` carries (a GET sets the cookie it pairs with)."""
        soup = await self.page(path)
        field = soup.find("input", attrs={"name": "_csrf_token"})
        assert field is not None, f"no CSRF field on {path}"
        return str(field["value"])

    async def submit(
        self, form_path: str, action: str, data: dict[str, str], **kwargs: Any
    ) -> Response:
        token = await self.csrf(form_path)
        return await self.client.post(action, data={**data, "_csrf_token": token}, **kwargs)

    async def last_code(self, phone: str) -> str:
        await dispatch_pending(self.db, self.sms)
        sent = self.sms.last_to(phone)
        assert sent is not None, f"no SMS was sent to {phone}"
        match = re.search(r"(?<!\d)(\d{6})(?!\d)", sent.body)
        assert match, sent.body
        return match.group(1)

    async def sign_in_worker(self, phone: str) -> Response:
        response = await self.submit("/signin", "/signin", {"phone": phone})
        assert response.status_code == 303, response.text[:500]
        code = await self.last_code(phone)
        response = await self.submit("/signin/code", "/signin/code", {"code": code})
        assert response.status_code == 303, response.text[:500]
        return response

    async def sign_in_admin(
        self,
        email: str,
        role: str = "admin",
        create: bool = True,
        password: str = ADMIN_PASSWORD,
    ) -> None:
        if create:
            async with self.db() as session:
                await create_admin(session, email, password, role)
                await session.commit()
        response = await self.submit(
            "/admin/signin", "/admin/signin", {"email": email, "password": password}
        )
        assert response.status_code == 303, response.text[:500]
        assert response.headers["location"] == "/admin"

    async def sign_out(self) -> None:
        response = await self.submit("/", "/signout", {})
        assert response.status_code == 303


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Site]:
    sms = MemorySmsProvider()
    settings = Settings(database_url=database_url, secret_key=SECRET, sms_provider="memory")
    app = create_app(settings, sms_provider=sms, run_outbox_worker=False)
    engine = create_engine(database_url)
    try:
        async with AsyncTestClient(app=app) as client:
            client.follow_redirects = False
            yield Site(client=client, sms=sms, db=session_factory(engine))
    finally:
        await engine.dispose()


@dataclass
class Demo:
    """The demo co-op with its last month run: plans, decisions, health and messages."""

    pool_id: str
    period: str
    phones: list[str]
    admin_email: str
    admin_password: str


DEMO_PASSWORD = "demo-password-long-enough"


async def seed_and_run(site: Site, n_workers: int = 12) -> Demo:
    from sqlalchemy import select

    from api.demo import seed_demo
    from core.periods import Period
    from pools.models import Pool
    from runs.runner import MonthlyRunner
    from tests.runs.conftest import FAST

    async with site.db() as session:
        summary = await seed_demo(session, seed=7, n_workers=n_workers, password=DEMO_PASSWORD)
        pool = await session.scalar(select(Pool))
        assert pool is not None
        period = Period.current(pool.timezone).shift(-1)
        pool_id = pool.id
    outcome = await MonthlyRunner(site.db, FAST).run(pool_id, period)
    assert outcome is not None
    await dispatch_pending(site.db, site.sms)
    return Demo(
        pool_id=str(pool_id),
        period=str(period),
        phones=summary.phones,
        admin_email=summary.admin_email,
        admin_password=DEMO_PASSWORD,
    )
