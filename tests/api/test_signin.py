"""Signing in: one-time codes by SMS for workers, passwords for administrators, and the
worker's own profile (name, language, time zone)."""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import time
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from core.clock import utcnow
from core.phones import normalize_phone
from core.ratelimit import counts_since
from i18n.render import render_sms
from pools.admins import create_admin
from pools.models import SignInCode, Worker
from pools.signin import REFUSALS, hash_code
from tests.api.conftest import (
    ADMIN_PASSWORD,
    SECRET,
    Api,
    LiveApi,
    Serve,
    assert_problem,
    gather_all,
)

US_PHONE = "+14155550181"
MX_PHONE = "+525512345678"


async def ask_code(api: Api, phone: str, **headers: str) -> str:
    """Ask for a code as typed in `phone` and read it from the text to its E.164 form."""
    response = await api.client.post("/v1/auth/otp", json={"phone": phone}, headers=headers)
    assert response.status_code == 202, response.text
    return await api.last_code(normalize_phone(phone))


async def verify(api: Api, phone: str, code: str) -> Any:
    return await api.client.post("/v1/auth/otp/verify", json={"phone": phone, "code": code})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def codes_of(api: Api, phone: str) -> list[SignInCode]:
    async with api.db() as session:
        rows = await session.scalars(
            select(SignInCode).where(SignInCode.phone_e164 == phone).order_by(SignInCode.created_at)
        )
        return list(rows)


async def change_codes(api: Api, phone: str, **values: Any) -> None:
    async with api.db() as session:
        await session.execute(
            update(SignInCode).where(SignInCode.phone_e164 == phone).values(**values)
        )
        await session.commit()


def sign_in_text(language: str, code: str) -> str:
    return render_sms("auth.sign_in_code", language, code=code, minutes=10).text


async def test_the_code_is_kept_only_as_a_keyed_hash(api: Api) -> None:
    code = await ask_code(api, US_PHONE)
    [row] = await codes_of(api, US_PHONE)
    stored = [str(getattr(row, column.key)) for column in SignInCode.__table__.columns]
    assert not any(code in value for value in stored), stored
    assert row.code_hash == hash_code(SECRET, US_PHONE, code)
    # Keyed with the server's secret: the table alone does not let anyone try a million codes.
    assert row.code_hash not in {
        hashlib.sha256(code.encode()).hexdigest(),
        hashlib.sha256(f"{US_PHONE}:{code}".encode()).hexdigest(),
    }
    assert row.expires_at - row.created_at == timedelta(minutes=10)


async def test_wrong_codes_count_and_five_of_them_lock_the_code(api: Api) -> None:
    code = await ask_code(api, US_PHONE)
    for attempt in range(1, 6):
        response = await verify(api, US_PHONE, wrong(code))
        problem = assert_problem(response, 401, "invalid-code")
        assert problem["attempts_left"] == 5 - attempt
        [row] = await codes_of(api, US_PHONE)
        assert row.attempts == attempt

    # Even the right code is refused now: guessing a million codes five at a time fails.
    locked = await verify(api, US_PHONE, code)
    assert_problem(locked, 429, "too-many-attempts")
    async with api.db() as session:
        assert await session.scalar(select(func.count()).select_from(Worker)) == 0

    # A new code starts afresh.
    fresh = await ask_code(api, US_PHONE)
    response = await verify(api, US_PHONE, fresh)
    assert response.status_code == 200, response.text


async def test_an_expired_code_is_refused(api: Api) -> None:
    code = await ask_code(api, US_PHONE)
    await change_codes(api, US_PHONE, expires_at=utcnow() - timedelta(seconds=1))
    assert_problem(await verify(api, US_PHONE, code), 401, "invalid-code")


async def test_a_used_code_cannot_sign_in_again(api: Api) -> None:
    code = await ask_code(api, US_PHONE)
    first = await verify(api, US_PHONE, code)
    assert first.status_code == 200, first.text
    assert first.json()["token"]
    assert_problem(await verify(api, US_PHONE, code), 401, "invalid-code")


async def test_a_new_code_retires_the_older_one(api: Api) -> None:
    older = await ask_code(api, US_PHONE)
    newer = await ask_code(api, US_PHONE)
    while newer == older:  # one chance in a million; the cap allows a few more tries
        newer = await ask_code(api, US_PHONE)
    assert_problem(await verify(api, US_PHONE, older), 401, "invalid-code")
    response = await verify(api, US_PHONE, newer)
    assert response.status_code == 200, response.text


async def test_a_phone_gets_five_codes_an_hour(api: Api) -> None:
    for _ in range(5):
        await ask_code(api, US_PHONE)
    sixth = await api.client.post("/v1/auth/otp", json={"phone": US_PHONE})
    problem = assert_problem(sixth, 429, "too-many-codes")
    # Until the first of the five is an hour old.
    assert 3590 <= problem["retry_after_seconds"] <= 3600
    assert sixth.headers["retry-after"] == str(problem["retry_after_seconds"])
    await api.deliver()
    assert len(api.sms.messages_to(US_PHONE)) == 5
    assert len(await codes_of(api, US_PHONE)) == 5

    # The wait is until the oldest of the hour's codes is an hour old, not a fixed hour.
    await change_codes(api, US_PHONE, created_at=utcnow() - timedelta(minutes=50))
    later = await api.client.post("/v1/auth/otp", json={"phone": US_PHONE})
    assert_problem(later, 429, "too-many-codes")
    assert 590 <= int(later.headers["Retry-After"]) <= 600

    # The cap is per phone, and counts only the last hour.
    await ask_code(api, MX_PHONE)
    await change_codes(api, US_PHONE, created_at=utcnow() - timedelta(minutes=61))
    code = await ask_code(api, US_PHONE)
    assert (await verify(api, US_PHONE, code)).status_code == 200


async def test_first_sign_in_creates_the_worker_and_later_ones_find_it(api: Api) -> None:
    first = await verify(api, US_PHONE, await ask_code(api, US_PHONE))
    assert first.status_code == 200, first.text
    # The same phone written another way is the same worker.
    spaced = "+1 (415) 555-0181"
    again = await verify(api, spaced, await ask_code(api, spaced))
    assert again.status_code == 200, again.text

    ids = set()
    for response in (first, again):
        me = await api.client.get(
            "/v1/me", headers={"Authorization": f"Bearer {response.json()['token']}"}
        )
        assert me.json()["phone"] == US_PHONE
        ids.add(me.json()["id"])
    assert len(ids) == 1
    async with api.db() as session:
        assert await session.scalar(select(func.count()).select_from(Worker)) == 1


async def test_the_code_is_texted_in_the_language_of_the_phone_or_the_browser(
    api: Api,
) -> None:
    cases = [
        (US_PHONE, {}, "en"),
        (MX_PHONE, {}, "es"),  # a Mexican number: Spanish
        (US_PHONE, {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}, "es"),
        (MX_PHONE, {"Accept-Language": "fr-FR"}, "fr"),  # the browser says more than the phone
        (MX_PHONE, {"Accept-Language": "de, fr;q=0.7"}, "fr"),  # first one we have
    ]
    for phone, headers, language in cases:
        code = await ask_code(api, phone, **headers)
        sent = api.sms.last_to(phone)
        assert sent is not None
        assert sent.body == sign_in_text(language, code), (phone, headers, sent.body)
    assert sign_in_text("es", "123456") != sign_in_text("en", "123456")


async def test_administrators_sign_in_with_email_and_password(api: Api) -> None:
    await api.admin_headers("coop@example.org")
    right = await api.client.post(
        "/v1/auth/admin/login", json={"email": " Coop@Example.ORG ", "password": ADMIN_PASSWORD}
    )
    assert right.status_code == 200, right.text
    pools = await api.client.get(
        "/v1/admin/pools", headers={"Authorization": f"Bearer {right.json()['token']}"}
    )
    assert pools.status_code == 200

    wrong_password = await api.client.post(
        "/v1/auth/admin/login", json={"email": "coop@example.org", "password": "not it at all"}
    )
    unknown_email = await api.client.post(
        "/v1/auth/admin/login", json={"email": "who@example.org", "password": ADMIN_PASSWORD}
    )
    # The same answer either way: the form does not tell which emails have accounts.
    assert assert_problem(wrong_password, 401, "invalid-credentials") == assert_problem(
        unknown_email, 401, "invalid-credentials"
    )
    assert "token" not in wrong_password.json()


async def test_a_worker_changes_name_language_and_time_zone(api: Api) -> None:
    headers = await api.worker_headers(US_PHONE)
    await api.deliver()
    texts_before = len(api.sms.messages_to(US_PHONE))

    async def patch(**body: str) -> dict[str, Any]:
        response = await api.client.patch("/v1/me", json=body, headers=headers)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    me = await patch(name="  Ana   María ")
    assert (me["name"], me["language"], me["language_chosen"], me["timezone"]) == (
        "Ana María",
        "en",
        False,
        "UTC",
    )
    me = await patch(timezone="America/Mexico_City")
    assert (me["name"], me["timezone"]) == ("Ana María", "America/Mexico_City")
    await api.deliver()
    assert len(api.sms.messages_to(US_PHONE)) == texts_before  # no language change, no text

    me = await patch(language="es-MX")
    assert (me["language"], me["language_chosen"]) == ("es", True)
    await api.deliver()
    confirmation = api.sms.last_to(US_PHONE)
    assert confirmation is not None
    assert confirmation.body == render_sms("account.language_changed", "es").text
    assert len(api.sms.messages_to(US_PHONE)) == texts_before + 1

    await patch(language="es")  # the language it already speaks: nothing to confirm
    await api.deliver()
    assert len(api.sms.messages_to(US_PHONE)) == texts_before + 1

    me = await patch(language="fr")
    assert me["language"] == "fr"
    await api.deliver()
    # One confirmation a day: the second change is saved, but not texted.
    assert len(api.sms.messages_to(US_PHONE)) == texts_before + 1

    stored = (await api.client.get("/v1/me", headers=headers)).json()
    assert (stored["name"], stored["language"], stored["timezone"]) == (
        "Ana María",
        "fr",
        "America/Mexico_City",
    )
    # The worker's own choice now outranks the browser for the next sign-in code.
    code = await ask_code(api, US_PHONE, **{"Accept-Language": "es"})
    assert api.sms.last_to(US_PHONE).body == sign_in_text("fr", code)  # type: ignore[union-attr]


async def test_switching_language_back_and_forth_sends_one_text(api: Api) -> None:
    headers = await api.worker_headers(US_PHONE)
    await api.deliver()
    texts_before = len(api.sms.messages_to(US_PHONE))
    for language in ["es", "fr"] * 15:
        response = await api.client.patch("/v1/me", json={"language": language}, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["language"] == language
    await api.deliver()
    texts = api.sms.messages_to(US_PHONE)[texts_before:]
    assert [sms.body for sms in texts] == [render_sms("account.language_changed", "es").text]


async def test_a_phone_that_stopped_our_texts_is_told_to_text_start(api: Api) -> None:
    await api.worker_headers(US_PHONE)
    async with api.db() as session:
        await session.execute(
            update(Worker).where(Worker.phone_e164 == US_PHONE).values(sms_opted_out=True)
        )
        await session.commit()
    sent_before = len(api.sms.sent)

    response = await api.client.post(
        "/v1/auth/otp", json={"phone": US_PHONE}, headers={"Accept-Language": "es"}
    )

    assert_problem(response, 409, "sms-opted-out")
    assert "START" in response.json()["title"]
    assert response.headers["content-language"] == "es"
    await api.deliver()
    assert len(api.sms.sent) == sent_before
    assert len(await codes_of(api, US_PHONE)) == 1  # no new code was made for nobody to get


async def _login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/v1/auth/admin/login", json={"email": email, "password": password})


async def _new_admin(live: LiveApi, email: str) -> None:
    async with live.db() as session:
        await create_admin(session, email, ADMIN_PASSWORD)
        await session.commit()


def assert_wait(response: httpx.Response, slug: str, longest: int) -> None:
    """A 429 of this type that says, in the header and the body, how long to wait."""
    problem = assert_problem(response, 429, slug)
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= longest
    assert problem["retry_after_seconds"] == wait


async def test_a_password_guesser_is_stopped_and_the_administrator_still_signs_in(
    serve: Serve,
) -> None:
    async with serve() as live, live.client("198.51.100.1") as guesser:
        await _new_admin(live, "coop@example.org")
        for _ in range(5):
            assert_problem(
                await _login(guesser, "coop@example.org", "x" * 1024), 401, "invalid-credentials"
            )
        refused = await _login(guesser, "coop@example.org", "x" * 1024)
        assert_wait(refused, "too-many-login-attempts", 15 * 60)
        # From the guesser's address not even the right password is checked any more...
        right = await _login(guesser, "coop@example.org", ADMIN_PASSWORD)
        assert_wait(right, "too-many-login-attempts", 15 * 60)
        # ...while the administrator, elsewhere, signs in as always.
        async with live.client("203.0.113.7") as administrator:
            signed_in = await _login(administrator, "coop@example.org", ADMIN_PASSWORD)
            assert signed_in.status_code == 200, signed_in.text


async def test_guesses_at_once_are_all_counted(serve: Serve) -> None:
    async with serve() as live, live.client("198.51.100.2") as guesser:
        await _new_admin(live, "coop@example.org")
        answers = await gather_all(
            *(_login(guesser, "coop@example.org", f"guess {i}") for i in range(16))
        )
        statuses = sorted(response.status_code for response in answers)
        assert statuses == [401] * 5 + [429] * 11


async def test_one_address_guessing_across_accounts_is_stopped(serve: Serve) -> None:
    async with (
        serve(admin_login_failures_per_address=6) as live,
        live.client("198.51.100.3") as sprayer,
    ):
        for i in range(6):
            answer = await _login(sprayer, f"admin{i}@example.org", "password123")
            assert_problem(answer, 401, "invalid-credentials")
        assert_wait(
            await _login(sprayer, "admin9@example.org", "password123"),
            "too-many-login-attempts",
            15 * 60,
        )


async def test_guessers_on_many_addresses_cannot_lock_out_the_administrators_own(
    serve: Serve,
) -> None:
    async with serve(admin_login_failures_per_account=4) as live:
        await _new_admin(live, "coop@example.org")
        async with live.client("203.0.113.8") as home:
            assert (await _login(home, "coop@example.org", ADMIN_PASSWORD)).status_code == 200
        for i in range(4):  # one guess each from four addresses: under every per-client limit
            async with live.client(f"198.51.100.{10 + i}") as guesser:
                answer = await _login(guesser, "coop@example.org", "guess")
                assert_problem(answer, 401, "invalid-credentials")
        async with live.client("198.51.100.20") as guesser:
            answer = await _login(guesser, "coop@example.org", "guess")
            assert_wait(answer, "too-many-login-attempts", 15 * 60)
        # The account is closed to new addresses for the rest of the window, not to home.
        async with live.client("203.0.113.8") as home:
            assert (await _login(home, "coop@example.org", ADMIN_PASSWORD)).status_code == 200


async def test_checking_passwords_leaves_the_server_free_to_answer(serve: Serve) -> None:
    """A password check costs ~300 ms of CPU; a flood of them must not stall other requests."""
    async with (
        serve(admin_login_failures_per_client=1000, admin_login_failures_per_address=1000) as live,
        live.client("198.51.100.30") as guesser,
        live.client() as monitor,
    ):
        flood = asyncio.gather(
            *(_login(guesser, "coop@example.org", "x" * 1024) for _ in range(16))
        )
        latencies = []
        while not flood.done():
            started = time.perf_counter()
            assert (await monitor.get("/health")).status_code == 200
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)
        assert {response.status_code for response in await flood} == {401}
    assert len(latencies) >= 5
    assert statistics.median(latencies) < 0.15, latencies


async def _ask(client: httpx.AsyncClient, phone: str) -> httpx.Response:
    return await client.post("/v1/auth/otp", json={"phone": phone})


async def test_one_client_cannot_have_codes_texted_to_hundreds_of_numbers(serve: Serve) -> None:
    async with serve(sign_in_codes_per_address=5) as live, live.client("198.51.100.40") as pump:
        answers = [await _ask(pump, f"+1415555{1000 + i:04d}") for i in range(12)]
        assert [a.status_code for a in answers] == [202] * 5 + [429] * 7
        assert_wait(answers[-1], "too-many-codes-from-address", 3600)
        premium = await _ask(pump, "+19002345678")
        assert_problem(premium, 422, "phone-not-textable")
        async with live.client("203.0.113.41") as worker:
            assert (await _ask(worker, "+14155552000")).status_code == 202
        await live.deliver()
        assert len(live.sms.sent) == 6
        async with live.db() as session:
            refused = await counts_since(session, REFUSALS.bucket, utcnow() - timedelta(hours=2))
        assert refused == {
            f"{REFUSALS.bucket}:per-address": 7,
            f"{REFUSALS.bucket}:number-type": 1,
        }


async def test_codes_stop_at_the_hourly_budget_for_everyone(serve: Serve) -> None:
    async with serve(sign_in_codes_per_hour=3) as live:
        for i in range(3):
            async with live.client(f"203.0.113.{50 + i}") as worker:
                assert (await _ask(worker, f"+1415555{3000 + i:04d}")).status_code == 202
        async with live.client("203.0.113.60") as late:
            answer = await _ask(late, "+14155553100")
        problem = assert_problem(answer, 503, "sign-in-busy")
        assert 1 <= int(answer.headers["retry-after"]) <= 3600
        assert problem["retry_after_seconds"] == int(answer.headers["retry-after"])
        await live.deliver()
        assert len(live.sms.sent) == 3
