"""An administrator's pages: their pools, a pool's health with its charts, starting the
month's run and following it, and the members table."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

from sqlalchemy import select

from api.demo import seed_demo
from pools.models import Pool
from runs import service as runs_service
from tests.web.conftest import DEMO_PASSWORD, Site, parse, seed_and_run


async def test_pools_and_health_show_what_the_run_stored(site: Site) -> None:
    demo = await seed_and_run(site, n_workers=8)
    await site.sign_in_admin(demo.admin_email, create=False, password=demo.admin_password)
    pools = await site.page("/admin")
    rows = pools.select("table.data tbody tr")
    assert len(rows) == 1 and "Mutua Demo Co-op" in rows[0].get_text()
    async with site.db() as session:
        pool = await session.get(Pool, uuid.UUID(demo.pool_id))
        assert pool is not None
        health = await runs_service.pool_health(session, pool, date.today())
    assert health.solvency is not None
    link = rows[0].find("a")
    assert link is not None and link["href"] == f"/admin/pools/{demo.pool_id}"

    page = await site.page(str(link["href"]))
    fan = page.select_one("#reserve-fan svg")
    assert fan is not None, "the reserve's fan chart is drawn"
    assert len(fan.find_all("polygon")) == 2 and fan.find("polyline") is not None
    points = fan.find("polyline")["points"].split()
    assert len(points) == len(health.solvency.fan["p50"]) == 12
    fan_rows = page.select("#reserve-fan + table tbody tr")
    assert len(fan_rows) == 12, "the fan chart is also a table"
    bars = page.select("svg.chart rect.bar-in")
    assert len(bars) == 12
    cards = page.find("dl", class_="cards")
    assert cards is not None
    assert f"{health.reserve_minor / 100:,.2f}" in cards.get_text()
    runs = page.select("table.data")[-1].select("tbody tr")
    assert len(runs) == 1 and "status-succeeded" in str(runs[0])
    assert runs[0].get_text(" ", strip=True).endswith("8 / 8")


async def test_an_administrator_starts_the_month_and_follows_it(site: Site) -> None:
    async with site.db() as session:
        summary = await seed_demo(session, seed=7, n_workers=8, password=DEMO_PASSWORD)
        pool = await session.scalar(select(Pool))
        assert pool is not None
        pool_id = pool.id
    await site.sign_in_admin(summary.admin_email, create=False, password=DEMO_PASSWORD)
    health = await site.page(f"/admin/pools/{pool_id}")
    form = health.find("form", attrs={"action": f"/admin/pools/{pool_id}/runs"})
    assert form is not None and form.get("hx-post") == form["action"]
    token = str(form.find("input", attrs={"name": "_csrf_token"})["value"])
    response = await site.client.post(
        f"/admin/pools/{pool_id}/runs", data={"_csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    fragment = parse(response)
    progress = fragment.find(id="run-progress")
    assert progress is not None and fragment.html is None, "HTMX gets the fragment alone"
    poll = progress.get("hx-get")
    if progress.get("hx-trigger"):
        assert progress["hx-trigger"] == "every 1s" and poll
    for _ in range(600):
        response = await site.client.get(str(poll), headers={"HX-Request": "true"})
        progress = parse(response).find(id="run-progress")
        assert progress is not None
        if not progress.get("hx-trigger"):
            break
        await asyncio.sleep(0.1)
    assert not progress.get("hx-trigger"), "polling stops when the run ends"
    assert "status-succeeded" in str(progress)
    page = await site.page(str(poll))
    assert page.find(id="run-progress") is not None and page.html is not None

    again = await site.submit(f"/admin/pools/{pool_id}", f"/admin/pools/{pool_id}/runs", {})
    assert again.status_code == 303 and again.headers["location"] == str(poll), (
        "a month already run is shown, not run again"
    )


async def test_members_are_searched_and_paged(site: Site) -> None:
    demo = await seed_and_run(site, n_workers=30)
    await site.sign_in_admin(demo.admin_email, create=False, password=demo.admin_password)
    path = f"/admin/pools/{demo.pool_id}/members"
    first = await site.page(path)
    rows = first.select("#members-table tbody tr")
    assert len(rows) == 25
    more = first.select_one("#members-table p a")
    assert more is not None and more.get("hx-get") == more["href"]
    second = await site.page(str(more["href"]))
    rest = second.select("#members-table tbody tr")
    assert len(rest) == 5 and second.select_one("#members-table p a") is None
    names = {row.th.get_text() for row in rows} | {row.th.get_text() for row in rest}
    assert len(names) == 30

    phone = demo.phones[3]
    found = await site.page(path, params={"q": phone[-4:]})
    hits = found.select("#members-table tbody tr")
    assert hits and all(phone[-4:] in row.get_text() for row in hits)
    none = await site.page(path, params={"q": "no such name 100%"})
    assert not none.select("#members-table tbody tr")

    member_link = hits[0].find("a")
    assert member_link is not None
    member = await site.page(str(member_link["href"]))
    assert member.find("svg", class_="chart") is not None
    assert len(member.select("table.data tbody tr")) == 12
    assert member.select("ul.plain li"), "the member's decisions are listed"
