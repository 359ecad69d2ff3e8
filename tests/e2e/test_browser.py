"""Mutua's pages in a real browser: a worker signs in with the texted code, joins, reports
income and reads their month; the Arabic dashboard reads right to left; an administrator
opens the pool's health, sees the fan chart and starts the month's run."""

from __future__ import annotations

import uuid

from playwright.async_api import Browser, expect
from sqlalchemy import select

from api.demo import seed_demo
from core.periods import Period
from pools.models import Pool
from runs.runner import MonthlyRunner
from tests.api.conftest import Serve
from tests.e2e.conftest import tab
from tests.runs.conftest import FAST

PASSWORD = "demo-password-long-enough"
NEW_PHONE = "+14155550199"


async def seed(live_db: object, run_months: int) -> tuple[uuid.UUID, str, list[str], Period]:
    """The demo co-op, with its last `run_months` closed months run (oldest first)."""
    async with live_db() as session:  # type: ignore[operator]
        summary = await seed_demo(session, seed=7, n_workers=12, password=PASSWORD)
        pool = await session.scalar(select(Pool))
        assert pool is not None and summary.pool_code
        last = Period.current(pool.timezone).shift(-1)
        pool_id = pool.id
    for back in range(run_months, 0, -1):
        await MonthlyRunner(live_db, FAST).run(pool_id, last.shift(1 - back))  # type: ignore[arg-type]
    return pool_id, summary.pool_code, summary.phones, last


async def test_a_worker_signs_in_joins_reports_income_and_sees_their_month(
    browser: Browser, serve: Serve
) -> None:
    async with serve() as live, tab(browser, live, "worker-journey") as t:
        _, join_code, _, last = await seed(live.db, run_months=0)
        page = t.page
        await page.goto(t.url("/"))
        await page.get_by_role("link", name="Sign in with your phone").click()
        await page.get_by_label("Phone number, with country code").fill(NEW_PHONE)
        await page.get_by_role("button", name="Text me a code").click()
        await expect(page).to_have_url(t.url("/signin/code"))
        await page.get_by_label("Sign-in code").fill(await t.code_texted_to(NEW_PHONE))
        await page.locator("main").get_by_role("button", name="Sign in").click()
        await expect(page).to_have_url(t.url("/join"))
        await page.get_by_label("Pool join code").fill(join_code)
        await page.get_by_label("Your name").fill("Rosa Díaz")
        await page.get_by_label("Language for texts and pages").select_option("en")
        await page.get_by_role("button", name="Join").click()
        await expect(page).to_have_url(t.url("/me"))
        await expect(page.locator("h1")).to_have_text("Hello, Rosa Díaz")

        await page.get_by_role("link", name="Income").click()
        await page.get_by_label("Month").first.fill(str(last))
        await page.get_by_label("Platform").select_option("doordash")
        await page.get_by_label("Amount (USD)").fill("1234.50")
        await page.get_by_role("button", name="Save").click()
        await expect(page.locator(".notice")).to_contain_text("$1,234.50")

        await page.get_by_role("link", name="Home").click()
        await expect(page.locator("dl.cards")).to_contain_text("$1,234.50")
        await expect(page.locator("main")).to_contain_text("You are a member of Mutua Demo Co-op")
        await expect(page.locator("main")).to_contain_text("Your first plan comes after")
        assert not t.console_errors, t.console_errors


async def test_the_arabic_dashboard_reads_right_to_left(browser: Browser, serve: Serve) -> None:
    async with serve() as live, tab(browser, live, "arabic-dashboard") as t:
        _, _, phones, _ = await seed(live.db, run_months=1)
        page = t.page
        await page.goto(t.url("/signin"))
        await page.locator("#lang-pick").select_option("ar")
        await page.locator("form.picker button").click()
        await expect(page.locator("html")).to_have_attribute("dir", "rtl")
        await page.locator("#phone").fill(phones[0])
        await page.locator("main form button").click()
        await page.locator("#code").fill(await t.code_texted_to(phones[0]))
        await page.locator("main form button").click()
        await expect(page).to_have_url(t.url("/me"))
        await expect(page.locator("html")).to_have_attribute("lang", "ar")
        direction = await page.evaluate(
            "getComputedStyle(document.querySelector('main')).direction"
        )
        assert direction == "rtl"
        cards = page.locator("dl.cards > div")
        first, second = await cards.nth(0).bounding_box(), await cards.nth(1).bounding_box()
        assert first and second and first["x"] > second["x"], "the first card is on the right"
        await expect(page.locator("svg.chart polyline")).to_be_visible()
        await expect(page.locator("progress.savings")).to_be_visible()
        await t.shot("worker-home-ar")
        await page.locator("#lang-pick").select_option("en")
        await page.locator("form.picker button").click()
        await expect(page.locator("html")).to_have_attribute("dir", "ltr")
        await t.shot("worker-home-en")
        assert not t.console_errors, t.console_errors


async def test_an_administrator_sees_the_fan_chart_and_starts_the_run(
    browser: Browser, serve: Serve
) -> None:
    async with serve() as live, tab(browser, live, "admin-health") as t:
        pool_id, _, _, last = await seed(live.db, run_months=0)
        await MonthlyRunner(live.db, FAST).run(pool_id, last.shift(-1))
        page = t.page
        await page.goto(t.url("/admin/signin"))
        await page.get_by_label("Email").fill("admin@demo.mutua.coop")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.locator("main").get_by_role("button", name="Sign in").click()
        await expect(page).to_have_url(t.url("/admin"))
        await page.get_by_role("link", name="Mutua Demo Co-op").click()
        fan = page.locator("#reserve-fan svg")
        await expect(fan).to_be_visible()
        assert await fan.locator("polygon").count() == 2
        box = await fan.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 80
        await t.shot("pool-health")
        await page.get_by_role("button", name="Run").click()
        progress = page.locator("#run-progress")
        await expect(progress).to_be_visible()
        assert page.url.endswith(f"/admin/pools/{pool_id}"), "HTMX swapped the progress in"
        await expect(progress.locator(".status-succeeded")).to_be_visible(timeout=120_000)
        await page.reload()
        rows = page.locator("table.data").last.locator("tbody tr")
        await expect(rows).to_have_count(2)
        assert not t.console_errors, t.console_errors
