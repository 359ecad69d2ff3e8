"""A real headless Chromium (Debian's package) driving the app served by uvicorn on a port.

Playwright's async API only: the suite runs every async test on one session-wide event loop,
and the sync API would leave that loop unusable for every test after it. A failing test
leaves a screenshot under var/e2e-failures/; with MUTUA_SCREENSHOTS=DIR set (as
`make screenshots` does) the named views are also written to DIR as PNGs.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright

from tests.api.conftest import LiveApi, Serve, serve  # noqa: F401 (the fixture)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium waits on the network for updates and sync, and hangs offline.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAILURES = Path("var/e2e-failures")


def folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def chromium_installed() -> bool:
    return Path(CHROMIUM).exists()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not chromium_installed():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@dataclass
class Tab:
    """One browser page on the live app, with what its console reported."""

    page: Page
    live: LiveApi
    console_errors: list[str]

    def url(self, path: str) -> str:
        return self.live.base_url + path

    async def code_texted_to(self, phone: str) -> str:
        """The sign-in code, as the SMS provider received it."""
        await self.live.deliver()
        sent = self.live.sms.last_to(phone)
        assert sent is not None, f"no SMS to {phone}"
        match = re.search(r"(?<!\d)(\d{6})(?!\d)", sent.body)
        assert match, sent.body
        return match.group(1)

    async def shot(self, name: str) -> None:
        wanted = os.environ.get("MUTUA_SCREENSHOTS")
        if wanted:
            path = folder(Path(wanted)) / f"{name}.png"
            await self.page.screenshot(path=str(path), full_page=True)


@asynccontextmanager
async def tab(browser: Browser, live: LiveApi, name: str) -> AsyncIterator[Tab]:
    context = await browser.new_context(viewport={"width": 1000, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    try:
        yield Tab(page, live, errors)
    except BaseException:
        await page.screenshot(path=str(folder(FAILURES) / f"{name}.png"), full_page=True)
        raise
    finally:
        await context.close()
