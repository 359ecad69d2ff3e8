"""A pool created without rules gets defaults of about the same worth in any currency."""

from __future__ import annotations

from tests.api.conftest import Api, assert_problem


async def test_a_yen_pool_gets_a_yen_sized_payout_cap(api: Api) -> None:
    admin = await api.admin_headers("coop@example.org")
    yen = await api.create_pool(admin, name="Tokyo Couriers", currency="JPY")
    dinar = await api.create_pool(admin, name="Kuwait Drivers", currency="KWD")
    assert yen["rules"]["monthly_payout_cap_minor"] == 150_000  # ¥150,000, yen have no decimals
    assert dinar["rules"]["monthly_payout_cap_minor"] == 310_000  # KWD 310.000
    assert yen["rules"]["contribution_rate_bp"] == dinar["rules"]["contribution_rate_bp"]


async def test_a_currency_without_default_amounts_asks_for_them(api: Api) -> None:
    admin = await api.admin_headers("coop@example.org")
    body = {"name": "Yerevan Riders", "currency": "AMD"}
    response = await api.client.post("/v1/pools", json=body, headers=admin)
    problem = assert_problem(response, 422, "pool-rules-required")
    assert problem["missing"] == [
        "min_contribution_minor",
        "max_contribution_minor",
        "monthly_payout_cap_minor",
    ]
    listed = await api.client.get("/v1/admin/pools", headers=admin)
    assert listed.json()["items"] == []  # the refused pool was not half-created

    amounts = {
        "min_contribution_minor": 200_000,
        "max_contribution_minor": 8_000_000,
        "monthly_payout_cap_minor": 40_000_000,
    }
    pool = await api.create_pool(admin, **body, rules=amounts)
    assert pool["rules"]["monthly_payout_cap_minor"] == 40_000_000
