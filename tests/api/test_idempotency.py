"""`Idempotency-Key` on POSTs: a worker on a bad connection retries, and the retry must get
the first answer without joining, importing or creating anything twice."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from httpx import Response
from sqlalchemy import func, select, text, update

from api.idempotency import purge_expired
from api.idempotency_models import IdempotencyRecord
from api.tokens import Principal, issue_token
from core.clock import utcnow
from income.models import IncomeRecord
from pools.models import Membership, Pool
from tests.api.conftest import ADMIN_PASSWORD, SECRET, Api, assert_problem

W1 = "+14155550161"
W2 = "+14155550162"
REPLAYED = "idempotent-replayed"
INCOME = {"platform": "uber", "month": "2026-09", "amount_minor": 50_000, "currency": "USD"}
STATEMENT = "date,platform,amount\n2026-10-03,doordash,45.10\n2026-10-04,lyft,120.00\n"


def keyed(headers: dict[str, str], key: str, **more: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key, **more}


def assert_replay_of(first: Response, again: Response) -> None:
    assert REPLAYED not in first.headers
    assert again.headers.get(REPLAYED) == "true"
    assert again.status_code == first.status_code
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.content == first.content


async def count(api: Api, table: Any) -> int:
    async with api.db() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def income_records(api: Api, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await api.client.get("/v1/me/income", headers=headers)
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["items"]
    return records


async def set_in_flight(
    api: Api, key: str, lease_left: timedelta, started_ago: timedelta = timedelta(0)
) -> None:
    """Put the stored request for `key` back in flight, as if its first attempt had started
    `started_ago` and its lease ran `lease_left` more (negative: it stopped being renewed,
    as when its process died)."""
    now = utcnow()
    async with api.db() as session:
        result = await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == key)
            .values(
                state="in_flight",
                response_status=None,
                response_body=None,
                response_content_type=None,
                completed_at=None,
                created_at=now - started_ago,
                lease_expires_at=now + lease_left,
            )
        )
        assert result.rowcount == 1  # type: ignore[attr-defined]
        await session.commit()


async def test_a_retry_gets_the_first_answer_and_nothing_happens_twice(api: Api) -> None:
    admin = await api.admin_headers("coop@example.org")
    body = {"name": "Bay Riders", "currency": "USD"}
    first = await api.client.post("/v1/pools", json=body, headers=keyed(admin, "pool-1"))
    assert first.status_code == 201, first.text
    again = await api.client.post("/v1/pools", json=body, headers=keyed(admin, "pool-1"))
    assert_replay_of(first, again)
    assert await count(api, Pool) == 1
    pools = (await api.client.get("/v1/admin/pools", headers=admin)).json()
    assert [pool["id"] for pool in pools["items"]] == [first.json()["id"]]

    worker = await api.worker_headers(W1)
    code = {"code": first.json()["code"]}
    joined = await api.client.post("/v1/pools/join", json=code, headers=keyed(worker, "join-1"))
    assert joined.status_code == 201, joined.text
    rejoined = await api.client.post("/v1/pools/join", json=code, headers=keyed(worker, "join-1"))
    # Without the key a second join answers 200 "already a member"; the retry gets the 201.
    assert_replay_of(joined, rejoined)
    assert await count(api, Membership) == 1
    await api.deliver()
    welcomes = [sms for sms in api.sms.messages_to(W1) if "Bay Riders" in sms.body]
    assert len(welcomes) == 1

    recorded = await api.client.post("/v1/me/income", json=INCOME, headers=keyed(worker, "inc"))
    assert recorded.status_code == 201, recorded.text
    retried = await api.client.post("/v1/me/income", json=INCOME, headers=keyed(worker, "inc"))
    assert_replay_of(recorded, retried)
    assert len(await income_records(api, worker)) == 1

    csv = keyed(worker, "statement-1", **{"Content-Type": "text/csv"})
    imported = await api.client.post("/v1/me/income/csv", content=STATEMENT, headers=csv)
    assert imported.status_code == 201, imported.text
    assert imported.json()["added"] == 2
    reimported = await api.client.post("/v1/me/income/csv", content=STATEMENT, headers=csv)
    assert_replay_of(imported, reimported)
    assert await count(api, IncomeRecord) == 3


async def test_the_same_key_for_another_request_is_422_and_runs_nothing(api: Api) -> None:
    admin = await api.admin_headers("coop@example.org")
    body = {"name": "Bay Riders", "currency": "USD"}
    first = await api.client.post("/v1/pools", json=body, headers=keyed(admin, "k"))
    assert first.status_code == 201, first.text

    other_body = {"name": "Night Couriers", "currency": "USD"}
    response = await api.client.post("/v1/pools", json=other_body, headers=keyed(admin, "k"))
    assert_problem(response, 422, "idempotency-key-reused")
    assert REPLAYED not in response.headers

    worker = await api.worker_headers(W1)
    assert (
        await api.client.post("/v1/me/income", json=INCOME, headers=keyed(worker, "w"))
    ).is_success
    other_route = await api.client.post(
        "/v1/pools/join", json={"code": first.json()["code"]}, headers=keyed(worker, "w")
    )
    assert_problem(other_route, 422, "idempotency-key-reused")

    assert await count(api, Pool) == 1
    assert await count(api, Membership) == 0
    # The first request's answer is still what a true retry gets.
    again = await api.client.post("/v1/pools", json=body, headers=keyed(admin, "k"))
    assert_replay_of(first, again)


async def test_a_request_in_flight_is_409_while_its_lease_is_renewed(api: Api) -> None:
    worker = await api.worker_headers(W1)
    headers = keyed(worker, "slow")
    first = await api.client.post("/v1/me/income", json=INCOME, headers=headers)
    assert first.status_code == 201, first.text

    # Alive, however long it has run: its lease is still being renewed.
    for started_ago in (timedelta(0), timedelta(minutes=10)):
        await set_in_flight(api, "slow", timedelta(seconds=10), started_ago)
        response = await api.client.post("/v1/me/income", json=INCOME, headers=headers)
        assert_problem(response, 409, "idempotency-request-in-flight")
    # 409 ran nothing: the one record still holds the first amount.
    assert [r["amount_minor"] for r in await income_records(api, worker)] == [50_000]

    # A lease nobody renewed for a second: its request died with its process. The retry
    # takes the key over at once and really runs, here as a correction of the month (200).
    await set_in_flight(api, "slow", -timedelta(seconds=1), timedelta(seconds=20))
    taken_over = await api.client.post("/v1/me/income", json=INCOME, headers=headers)
    assert taken_over.status_code == 200, taken_over.text
    assert REPLAYED not in taken_over.headers
    assert len(await income_records(api, worker)) == 1

    # From then on retries replay the answer of the run that completed.
    again = await api.client.post("/v1/me/income", json=INCOME, headers=headers)
    assert_replay_of(taken_over, again)


async def test_requests_of_no_signed_in_caller_store_nothing(api: Api) -> None:
    """Without a valid token a request did nothing to replay; storing its key would only
    let anyone fill the table."""
    worker = await api.worker_headers(W1)
    ghost = issue_token(SECRET, Principal(kind="worker", id=uuid.uuid4()), 3600)
    pool = {"name": "X", "currency": "USD"}
    refused = [
        ({}, "/v1/me/income", INCOME),
        ({}, "/v1/pools", pool),
        ({"Authorization": "Bearer not-a-token"}, "/v1/me/income", INCOME),
        ({"Authorization": "Bearer not-a-token"}, "/v1/pools", pool),
        # Signed by us, for an account that is gone.
        ({"Authorization": f"Bearer {ghost}"}, "/v1/me/income", INCOME),
    ]
    for i, (caller, route, body) in enumerate(refused):
        response = await api.client.post(route, json=body, headers=keyed(caller, f"anonymous-{i}"))
        assert_problem(response, 401, "unauthorized")
    assert await count(api, IdempotencyRecord) == 0

    # The same key, signed in, is a first attempt.
    response = await api.client.post(
        "/v1/me/income", json=INCOME, headers=keyed(worker, "anonymous-0")
    )
    assert response.status_code == 201, response.text
    assert await count(api, IdempotencyRecord) == 1


async def test_expired_records_are_purged_in_bounded_sweeps(api: Api) -> None:
    worker = await api.worker_headers(W1)
    for i in range(5):
        month = f"2026-0{i + 1}"
        response = await api.client.post(
            "/v1/me/income", json={**INCOME, "month": month}, headers=keyed(worker, f"k{i}")
        )
        assert response.status_code == 201, response.text
    async with api.db() as session:
        for i, age in enumerate((25, 30, 48, 23, 1)):
            await session.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.key == f"k{i}")
                .values(created_at=utcnow() - timedelta(hours=age))
            )
        await session.commit()
        assert await purge_expired(session, limit=2) == 2
        assert await purge_expired(session, limit=2) == 1
        assert await purge_expired(session, limit=2) == 0
        await session.commit()
        left = await session.scalars(select(IdempotencyRecord.key).order_by(IdempotencyRecord.key))
        assert list(left) == ["k3", "k4"]
    # A key kept is still answered; a purged one is free for a new request.
    replay = await api.client.post(
        "/v1/me/income", json={**INCOME, "month": "2026-04"}, headers=keyed(worker, "k3")
    )
    assert replay.headers.get(REPLAYED) == "true"


async def test_keys_belong_to_their_caller(api: Api) -> None:
    first_worker = await api.worker_headers(W1)
    second_worker = await api.worker_headers(W2)
    one = await api.client.post("/v1/me/income", json=INCOME, headers=keyed(first_worker, "k1"))
    two = await api.client.post("/v1/me/income", json=INCOME, headers=keyed(second_worker, "k1"))
    assert one.status_code == two.status_code == 201, (one.text, two.text)
    assert REPLAYED not in two.headers
    assert one.json()["id"] != two.json()["id"]
    assert [r["id"] for r in await income_records(api, first_worker)] == [one.json()["id"]]
    assert [r["id"] for r in await income_records(api, second_worker)] == [two.json()["id"]]


async def test_invalid_keys_are_400_and_run_nothing(api: Api) -> None:
    worker = await api.worker_headers(W1)
    for key in ("", "   ", "k" * 256, "tab\there"):
        response = await api.client.post("/v1/me/income", json=INCOME, headers=keyed(worker, key))
        assert_problem(response, 400, "invalid-idempotency-key")
    assert await income_records(api, worker) == []
    assert await count(api, IdempotencyRecord) == 0

    longest = "k" * 255
    response = await api.client.post("/v1/me/income", json=INCOME, headers=keyed(worker, longest))
    assert response.status_code == 201, response.text
    again = await api.client.post("/v1/me/income", json=INCOME, headers=keyed(worker, longest))
    assert_replay_of(response, again)


async def test_a_server_error_is_not_stored_so_the_retry_runs(api: Api) -> None:
    worker = await api.worker_headers(W1)
    headers = keyed(worker, "flaky")
    # Take the income table away for a moment: the request fails on our side.
    async with api.db() as session:
        await session.execute(text("ALTER TABLE income_records RENAME TO income_records_away"))
        await session.commit()
    try:
        failed = await api.client.post("/v1/me/income", json=INCOME, headers=headers)
    finally:
        async with api.db() as session:
            await session.execute(text("ALTER TABLE income_records_away RENAME TO income_records"))
            await session.commit()
    assert_problem(failed, 500, "internal-error")
    assert await count(api, IdempotencyRecord) == 0

    retried = await api.client.post("/v1/me/income", json=INCOME, headers=headers)
    assert retried.status_code == 201, retried.text
    assert REPLAYED not in retried.headers
    assert len(await income_records(api, worker)) == 1


async def test_sign_in_answers_are_never_stored_with_their_key(api: Api) -> None:
    """They carry access tokens; a table of them would sign in whoever reads it."""
    sent = await api.client.post(
        "/v1/auth/otp", json={"phone": W1}, headers={"Idempotency-Key": "otp"}
    )
    assert sent.status_code == 202, sent.text
    body = {"phone": W1, "code": await api.last_code(W1)}
    headers = {"Idempotency-Key": "verify"}
    signed_in = await api.client.post("/v1/auth/otp/verify", json=body, headers=headers)
    assert signed_in.status_code == 200, signed_in.text
    await api.admin_headers("coop@example.org")
    login = {"email": "coop@example.org", "password": ADMIN_PASSWORD}
    admin = await api.client.post("/v1/auth/admin/login", json=login, headers=headers)
    assert admin.status_code == 200, admin.text
    assert await count(api, IdempotencyRecord) == 0

    # A retry is a new attempt: the code was used, so it is refused, not answered with a token.
    retried = await api.client.post("/v1/auth/otp/verify", json=body, headers=headers)
    assert_problem(retried, 401, "invalid-code")


async def test_a_key_is_kept_for_a_day_then_free_for_a_new_request(api: Api) -> None:
    worker = await api.worker_headers(W1)
    first = await api.client.post("/v1/me/income", json=INCOME, headers=keyed(worker, "daily"))
    assert first.status_code == 201, first.text

    async with api.db() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "daily")
            .values(created_at=utcnow() - timedelta(hours=23))
        )
        await session.commit()
    corrected = {**INCOME, "amount_minor": 60_000}
    refused = await api.client.post("/v1/me/income", json=corrected, headers=keyed(worker, "daily"))
    assert_problem(refused, 422, "idempotency-key-reused")

    async with api.db() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "daily")
            .values(created_at=utcnow() - timedelta(hours=25))
        )
        await session.commit()
    fresh = await api.client.post("/v1/me/income", json=corrected, headers=keyed(worker, "daily"))
    assert fresh.status_code == 200, fresh.text  # ran again: a correction of the month
    assert REPLAYED not in fresh.headers
    assert [record["amount_minor"] for record in await income_records(api, worker)] == [60_000]
