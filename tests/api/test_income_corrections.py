"""A worker corrects or deletes the monthly entries they made, and only those."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, assert_problem

WORKER = "+14155550171"
OTHER = "+14155550172"
ENTRY = {"platform": "uber", "month": "2026-09", "amount_minor": 123_456, "currency": "USD"}


async def months(api: Api, headers: dict[str, str]) -> dict[str, Any]:
    response = await api.client.get("/v1/me/income/months", headers=headers)
    assert response.status_code == 200, response.text
    return {month["month"]: month for month in response.json()["items"]}


async def test_a_worker_corrects_and_deletes_their_own_entry(api: Api) -> None:
    worker = await api.worker_headers(WORKER)
    created = await api.client.post("/v1/me/income", json=ENTRY, headers=worker)
    assert created.status_code == 201, created.text
    record = created.json()

    fixed = await api.client.patch(
        f"/v1/me/income/{record['id']}", json={"amount_minor": 98_000}, headers=worker
    )
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["id"], fixed.json()["amount_minor"]) == (record["id"], 98_000)
    assert (await months(api, worker))["2026-09"]["total_minor"] == 98_000

    too_much = await api.client.patch(
        f"/v1/me/income/{record['id']}", json={"amount_minor": 10**14}, headers=worker
    )
    assert_problem(too_much, 422, "invalid-amount")
    assert (await months(api, worker))["2026-09"]["total_minor"] == 98_000

    gone = await api.client.delete(f"/v1/me/income/{record['id']}", headers=worker)
    assert gone.status_code == 204, gone.text
    assert await months(api, worker) == {}
    again = await api.client.delete(f"/v1/me/income/{record['id']}", headers=worker)
    assert_problem(again, 404, "not-found")


async def test_another_workers_entry_is_not_found(api: Api) -> None:
    owner = await api.worker_headers(WORKER)
    record = (await api.client.post("/v1/me/income", json=ENTRY, headers=owner)).json()
    stranger = await api.worker_headers(OTHER)
    path = f"/v1/me/income/{record['id']}"
    assert_problem(
        await api.client.patch(path, json={"amount_minor": 1}, headers=stranger), 404, "not-found"
    )
    assert_problem(await api.client.delete(path, headers=stranger), 404, "not-found")
    assert (await months(api, owner))["2026-09"]["total_minor"] == 123_456


async def test_imported_lines_are_corrected_by_entering_the_month(api: Api) -> None:
    worker = await api.worker_headers(WORKER)
    statement = "date,platform,amount\n2026-09-03,uber,45.10\n2026-09-04,uber,1000.00\n"
    imported = await api.client.post(
        "/v1/me/income/csv",
        content=statement,
        params={"currency": "USD"},
        headers={**worker, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text
    line = (await api.client.get("/v1/me/income", headers=worker)).json()["items"][0]
    refused = await api.client.delete(f"/v1/me/income/{line['id']}", headers=worker)
    assert assert_problem(refused, 409, "income-record-not-editable")["source"] == "csv"

    # The worker's own figure for the month stands for the imported lines, and deleting it
    # brings them back.
    entry = await api.client.post("/v1/me/income", json=ENTRY, headers=worker)
    assert (await months(api, worker))["2026-09"]["total_minor"] == 123_456
    await api.client.delete(f"/v1/me/income/{entry.json()['id']}", headers=worker)
    assert (await months(api, worker))["2026-09"]["total_minor"] == 4510 + 100_000
