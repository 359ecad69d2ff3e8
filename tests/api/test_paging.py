"""Lists come in pages of one shape, however long the history behind them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.api.conftest import Api, join_pool

WORKER = "+14155550150"


def statement(days: int, start: date = date(2025, 1, 1)) -> str:
    lines = [
        f"{(start + timedelta(days=i)).isoformat()},{('uber', 'lyft')[i % 2]},{10 + i}.25"
        for i in range(days)
    ]
    return "date,platform,amount\n" + "\n".join(lines) + "\n"


async def every_page(api: Api, url: str, headers: dict[str, str], **params: Any) -> list[Any]:
    """Follow `next_cursor` from the first page to the last; the pages, in order."""
    pages = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await api.client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"}, page
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


async def test_a_long_history_comes_in_pages_that_add_up_to_it(api: Api) -> None:
    worker = await api.worker_headers(WORKER)
    imported = await api.client.post(
        "/v1/me/income/csv",
        content=statement(430),
        params={"currency": "USD"},
        headers={**worker, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text

    pages = await every_page(api, "/v1/me/income", worker)
    assert [len(page["items"]) for page in pages] == [50] * 8 + [30]
    records = [record for page in pages for record in page["items"]]
    assert len({record["id"] for record in records}) == 430
    assert [r["month"] for r in records] == sorted(r["month"] for r in records)

    big = await every_page(api, "/v1/me/income", worker, limit=200)
    assert [len(page["items"]) for page in big] == [200, 200, 30]
    assert [r["id"] for page in big for r in page["items"]] == [r["id"] for r in records]

    # A range narrows every page the same way.
    autumn = await every_page(api, "/v1/me/income", worker, **{"from": "2025-09", "to": "2025-10"})
    months = {r["month"] for page in autumn for r in page["items"]}
    assert months == {"2025-09", "2025-10"}
    assert sum(len(page["items"]) for page in autumn) == 30 + 31

    # Monthly totals page by whole months: 15 months, five a page.
    month_pages = await every_page(api, "/v1/me/income/months", worker, limit=5)
    assert [len(page["items"]) for page in month_pages] == [5, 5, 5]
    totals = [month for page in month_pages for month in page["items"]]
    assert [t["month"] for t in totals] == [f"2025-{m:02d}" for m in range(1, 13)] + [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert sum(t["total_minor"] for t in totals) == sum(
        record["amount_minor"] for record in records
    )


async def test_every_list_has_the_same_shape(api: Api) -> None:
    admin = await api.admin_headers("coop@example.org")
    pools = [await api.create_pool(admin, name=f"Pool {i}") for i in range(3)]
    worker = await api.worker_headers(WORKER)
    for pool in pools:
        await join_pool(api, worker, pool["code"])
    lists = [
        ("/v1/me/memberships", worker, 3),
        ("/v1/me/accounts", worker, 9),  # savings, contribution, arrears in each
        ("/v1/me/ledger", worker, 0),
        ("/v1/me/income", worker, 0),
        ("/v1/me/income/months", worker, 0),
        ("/v1/admin/pools", admin, 3),
        (f"/v1/admin/pools/{pools[0]['id']}/members", admin, 1),
    ]
    for url, headers, count in lists:
        pages = await every_page(api, url, headers, limit=2)
        items = [item for page in pages for item in page["items"]]
        assert len(items) == count, url
        assert all(len(page["items"]) <= 2 for page in pages), url
        assert len(pages) == max(1, -(-count // 2)), url
