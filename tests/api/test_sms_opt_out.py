"""A worker turns Mutua's texts off and back on from the API, as STOP and START do by SMS."""

from __future__ import annotations

from tests.api.conftest import Api, assert_problem

WORKER = "+14155550151"


async def test_texts_off_means_no_texts_and_back_on_is_confirmed(api: Api) -> None:
    admin = await api.admin_headers("coop@example.org")
    pool = await api.create_pool(admin)
    worker = await api.worker_headers(WORKER)
    sent_before = len(api.sms.messages_to(WORKER))

    off = await api.client.patch("/v1/me", json={"sms_opted_out": True}, headers=worker)
    assert off.status_code == 200, off.text
    assert off.json()["sms_opted_out"] is True
    joined = await api.client.post("/v1/pools/join", json={"code": pool["code"]}, headers=worker)
    assert joined.status_code == 201, joined.text
    await api.deliver()
    assert len(api.sms.messages_to(WORKER)) == sent_before  # no welcome text
    refused = await api.client.post("/v1/auth/otp", json={"phone": WORKER})
    assert_problem(refused, 409, "sms-opted-out")

    on = await api.client.patch("/v1/me", json={"sms_opted_out": False}, headers=worker)
    assert on.status_code == 200 and on.json()["sms_opted_out"] is False
    await api.deliver()
    assert api.sms.last_to(WORKER).template == "sms.started"  # type: ignore[union-attr]
    assert (await api.client.post("/v1/auth/otp", json={"phone": WORKER})).status_code == 202


async def test_saying_the_same_twice_sends_nothing_more(api: Api) -> None:
    worker = await api.worker_headers(WORKER)
    sent_before = len(api.sms.messages_to(WORKER))
    for _ in range(2):
        response = await api.client.patch("/v1/me", json={"sms_opted_out": False}, headers=worker)
        assert response.status_code == 200, response.text
    await api.deliver()
    assert len(api.sms.messages_to(WORKER)) == sent_before
    not_a_flag = await api.client.patch("/v1/me", json={"sms_opted_out": "no"}, headers=worker)
    assert_problem(not_a_flag, 422, "validation-failed")
