"""Income a worker records must be in their pools' currencies and of a believable size."""

from __future__ import annotations

from tests.api.conftest import Api, assert_problem, join_pool

WORKER = "+14155550161"
STATEMENT = "date,platform,amount\n2026-10-03,uber,45.10\n"


async def member_of(api: Api, *currencies: str) -> dict[str, str]:
    admin = await api.admin_headers("coop@example.org")
    worker = await api.worker_headers(WORKER)
    for currency in currencies:
        pool = await api.create_pool(admin, name=f"Riders {currency}", currency=currency)
        await join_pool(api, worker, pool["code"])
    return worker


async def records(api: Api, worker: dict[str, str]) -> list[object]:
    response = await api.client.get("/v1/me/income", headers=worker)
    assert response.status_code == 200, response.text
    listed: list[object] = response.json()["items"]
    return listed


async def test_income_in_a_currency_no_pool_of_the_worker_uses_is_refused(api: Api) -> None:
    worker = await member_of(api, "USD")
    entry = {"platform": "uber", "month": "2026-09", "amount_minor": 1200, "currency": "EUR"}
    response = await api.client.post("/v1/me/income", json=entry, headers=worker)
    problem = assert_problem(response, 422, "currency-not-in-pools")
    assert problem["currencies"] == ["USD"]
    response = await api.client.post(
        "/v1/me/income/csv",
        content=STATEMENT,
        params={"currency": "EUR"},
        headers={**worker, "Content-Type": "text/csv"},
    )
    assert_problem(response, 422, "currency-not-in-pools")
    assert await records(api, worker) == []


async def test_a_month_beyond_any_real_income_is_refused(api: Api) -> None:
    worker = await member_of(api, "USD")
    entry = {"platform": "uber", "month": "2026-09", "amount_minor": 10**15, "currency": "USD"}
    response = await api.client.post("/v1/me/income", json=entry, headers=worker)
    problem = assert_problem(response, 422, "invalid-amount")
    assert problem["reason"] == "above-monthly-ceiling"
    assert problem["ceiling_minor"] == 10_000_000  # $100,000.00
    entry["amount_minor"] = 10_000_000
    response = await api.client.post("/v1/me/income", json=entry, headers=worker)
    assert response.status_code == 201, response.text


async def test_a_statement_is_not_guessed_into_one_of_two_currencies(api: Api) -> None:
    worker = await member_of(api, "USD", "JPY")
    csv_headers = {**worker, "Content-Type": "text/csv"}
    response = await api.client.post("/v1/me/income/csv", content=STATEMENT, headers=csv_headers)
    problem = assert_problem(response, 422, "currency-required")
    assert problem["currencies"] == ["JPY", "USD"]
    assert await records(api, worker) == []
    response = await api.client.post(
        "/v1/me/income/csv", content=STATEMENT, params={"currency": "usd"}, headers=csv_headers
    )
    assert response.status_code == 201, response.text


async def test_a_statement_takes_the_only_currency_of_the_workers_pools(api: Api) -> None:
    worker = await member_of(api, "MXN")
    response = await api.client.post(
        "/v1/me/income/csv", content=STATEMENT, headers={**worker, "Content-Type": "text/csv"}
    )
    assert response.status_code == 201, response.text
    [record] = await records(api, worker)
    assert record["currency"] == "MXN"  # type: ignore[index]
