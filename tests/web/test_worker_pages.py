"""A worker's journey on the pages: sign in with the texted code, join, report income,
upload a statement, and read their month, decisions and data."""

from __future__ import annotations

import csv
import io
import json
import uuid

from sqlalchemy import select

from i18n import page_text, problem_title
from pools import service
from pools.admins import create_admin
from pools.models import Worker
from runs import service as runs_service
from tests.web.conftest import Site, parse, seed_and_run

PHONE = "+14155550177"


async def make_pool(site: Site, currency: str = "USD") -> str:
    async with site.db() as session:
        admin = await create_admin(session, f"{uuid.uuid4().hex[:8]}@co.example", "x" * 16)
        pool = await service.create_pool(session, admin.id, name="Bay Riders", currency=currency)
        await session.commit()
        return pool.join_code


async def test_a_worker_signs_in_joins_and_reports_income(site: Site) -> None:
    code = await make_pool(site)
    response = await site.sign_in_worker(PHONE)
    assert response.headers["location"] == "/join", "a worker in no pool is asked to join"
    response = await site.submit(
        "/join", "/join", {"code": code.lower(), "name": "Ana Lima", "language": "es"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/me"
    async with site.db() as session:
        worker = await session.scalar(select(Worker).where(Worker.phone_e164 == PHONE))
        assert worker is not None and worker.name == "Ana Lima" and worker.language == "es"
    home = await site.page("/me")
    assert home.html is not None and home.html["lang"] == "es", "the chosen language is used"
    assert home.h1 is not None and home.h1.get_text() == "Hola, Ana Lima"
    assert page_text("home.no_plan", "es") in home.get_text()

    response = await site.submit(
        "/me/income",
        "/me/income",
        {"month": "2026-10", "platform": "uber", "amount": "840.50", "currency": "USD"},
    )
    soup = parse(response)
    assert response.status_code == 200, soup.get_text()[:300]
    notice = soup.find(class_="notice")
    assert notice is not None and "840.50" in notice.get_text()
    rows = [row.get_text(" ", strip=True) for row in soup.select("table.data tbody tr")]
    assert any("Uber" in row and "840.50" in row for row in rows), rows


async def test_a_bad_income_form_is_answered_on_the_page_and_writes_nothing(site: Site) -> None:
    await make_pool(site)
    await site.sign_in_worker(PHONE)
    response = await site.submit(
        "/me/income",
        "/me/income",
        {"month": "2026-10", "platform": "uber", "amount": "12.345", "currency": "USD"},
    )
    assert response.status_code == 422
    error = parse(response).find(class_="error")
    assert error is not None and error.get_text() == problem_title("invalid-amount", "en")
    income = await site.page("/me/income")
    assert "12.34" not in income.get_text()
    response = await site.submit(
        "/me/income",
        "/me/income",
        {"month": "2026-10", "platform": "uber", "amount": "10", "currency": "EUR"},
    )
    assert response.status_code == 200, "a worker in no pool may report any currency"


async def test_a_refused_statement_shows_the_problem_beside_its_line(site: Site) -> None:
    code = await make_pool(site)
    await site.sign_in_worker(PHONE)
    await site.submit("/join", "/join", {"code": code, "name": "", "language": "en"})
    statement = b"date,platform,amount\n2026-10-03,uber,45.10\n2026-10-04,doordash,-3\n"
    token = await site.csrf("/me/income")
    response = await site.client.post(
        "/me/income/csv",
        data={"_csrf_token": token},
        files={"statement": ("october.csv", statement, "text/csv")},
    )
    assert response.status_code == 422
    soup = parse(response)
    lines = soup.select("#statement-lines tbody tr")
    assert len(lines) == 3
    bad = [row for row in lines if "rejected" in (row.get("class") or [])]
    assert len(bad) == 1 and "-3" in bad[0].get_text()
    assert page_text("csv.negative-amount", "en") in bad[0].get_text()
    income = await site.page("/me/income")
    assert "45.10" not in income.get_text(), "nothing of a refused statement is kept"

    good = b"date,platform,amount\n2026-10-03,uber,45.10\n2026-10-04,doordash,3\n"
    token = await site.csrf("/me/income")
    response = await site.client.post(
        "/me/income/csv",
        data={"_csrf_token": token},
        files={"statement": ("october.csv", good, "text/csv")},
    )
    assert response.status_code == 200
    notice = parse(response).find(class_="notice")
    assert notice is not None
    assert notice.get_text() == page_text("income.imported", "en", added="2", known="0")


async def test_the_home_page_shows_what_the_run_stored(site: Site) -> None:
    demo = await seed_and_run(site)
    phone = demo.phones[0]
    await site.sign_in_worker(phone)
    await site.client.get("/language", params={"lang": "en", "next": "/me"})
    async with site.db() as session:
        worker = await session.scalar(select(Worker).where(Worker.phone_e164 == phone))
        assert worker is not None
        plan = await runs_service.worker_plan(session, worker.id, None, "en")
    home = await site.page("/me")
    progress = home.find("progress", class_="savings")
    assert progress is not None
    assert int(str(progress["value"])) == min(plan.savings_target.progress_percent, 100)
    chart = home.find("svg", class_="chart")
    assert chart is not None and chart.find("polygon") and chart.find("polyline")
    assert len(chart.find("polyline")["points"].split()) == len(plan.forecast) == 6
    rows = home.select("table.data tbody tr")
    assert len(rows) == 6, "the forecast is also a table"
    cards = home.find("dl", class_="cards")
    assert cards is not None
    expected = f"{plan.contribution_charged_minor / 100:,.2f}"
    assert expected in cards.get_text(), (expected, cards.get_text())
    messages = home.find("ul", class_="messages")
    assert messages is not None and messages.find_all("li"), "the statement text is listed"
    assert "Mutua code" not in messages.get_text(), "sign-in codes are never shown"

    decisions = await site.page("/me/decisions")
    items = decisions.select("ul.decisions li")
    assert items and all(item.get_text(strip=True) for item in items)
    assert any(d.why in decisions.get_text() for d in plan.decisions)


async def test_my_data_downloads_as_json_and_csv(site: Site) -> None:
    demo = await seed_and_run(site, n_workers=6)
    await site.sign_in_worker(demo.phones[1])
    await site.page("/me/data")
    response = await site.client.get("/me/data.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    document = json.loads(response.content)
    assert document["worker"]["phone"] == demo.phones[1]
    assert document["income"] and document["decisions"] and document["ledger"]["transfers"]
    assert all(
        m["body"] == "[redacted]"
        for m in document["messages"]
        if m["template"] == "auth.sign_in_code"
    )
    response = await site.client.get("/me/data.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["section", "record", "field", "value"]
    sections = {row[0] for row in rows[1:]}
    assert {
        "worker",
        "memberships",
        "income",
        "decisions",
        "messages",
        "ledger.transfers",
    } <= sections
    transfer_ids = {row[1] for row in rows if row[0] == "ledger.transfers"}
    assert transfer_ids == {t["id"] for t in document["ledger"]["transfers"]}


async def test_a_worker_appeals_a_decision_and_the_administrator_sees_it(site: Site) -> None:
    demo = await seed_and_run(site, n_workers=6)
    await site.sign_in_worker(demo.phones[2])
    await site.client.get("/language", params={"lang": "en", "next": "/"})
    decisions = await site.page("/me/decisions")
    forms = decisions.select("form[action$='/appeal']")
    assert forms, "every decision can be appealed"
    action = str(forms[0]["action"])
    token = await site.csrf("/me/decisions")
    reason = "I worked fewer weeks than the model thinks"
    response = await site.client.post(action, data={"_csrf_token": token, "text": reason})
    soup = parse(response)
    assert response.status_code == 200
    notice = soup.find(class_="notice")
    assert notice is not None and notice.get_text().startswith("We got your appeal D-")
    assert len(soup.select("form[action$='/appeal']")) == len(forms) - 1, "filed once"
    again = await site.client.post(action, data={"_csrf_token": token, "text": "again"})
    assert again.status_code == 200, "appealing again answers with the appeal already filed"
    too_long = await site.client.post(
        str(forms[1]["action"]), data={"_csrf_token": token, "text": "x" * 1001}
    )
    assert too_long.status_code == 422 and parse(too_long).find(class_="error") is not None

    site.client.cookies.clear()
    await site.sign_in_admin(demo.admin_email, create=False, password=demo.admin_password)
    queue = await site.page(f"/admin/pools/{demo.pool_id}/appeals")
    items = queue.select("ul.appeals > li")
    assert len(items) == 1
    assert reason in items[0].get_text() and items[0].find("details") is not None
