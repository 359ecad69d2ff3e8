"""Problem titles reach the caller in their language; `type` and `detail` never change.

The title is chosen from `Accept-Language` (the first language Mutua supports, else
English) and named in `Content-Language`. `type` is what clients branch on and `detail` is
developer-facing English, so both are the same whatever language was asked for.
"""

from __future__ import annotations

from typing import Any

import pytest
from httpx import Response

from api.problems import problem
from i18n import problem_title
from tests.api.conftest import Api, assert_problem

BAD_PHONE = {"phone": "12345"}
WORKER = "+14155550133"
JOIN = "/v1/pools/join"
"""A POST that takes an `Idempotency-Key` (sign-in does not)."""


async def bad_phone(api: Api, **headers: str) -> Response:
    return await api.client.post("/v1/auth/otp", json=BAD_PHONE, headers=headers)


async def test_a_bad_phone_in_spanish_gets_a_spanish_title(api: Api) -> None:
    response = await bad_phone(api, **{"Accept-Language": "es"})
    body = assert_problem(response, 422, "invalid-phone")
    assert body["title"] == "El número de teléfono no es válido"
    assert response.headers["content-language"] == "es"
    assert "accept-language" in response.headers["vary"].lower()


async def test_without_accept_language_the_title_is_english(api: Api) -> None:
    response = await bad_phone(api)
    body = assert_problem(response, 422, "invalid-phone")
    assert body["title"] == "The phone number is not valid"
    assert response.headers["content-language"] == "en"


async def test_type_and_detail_do_not_depend_on_the_language(api: Api) -> None:
    bodies: list[dict[str, Any]] = []
    for tag in ("en", "fr", "zh-Hans", "ar"):
        response = await bad_phone(api, **{"Accept-Language": tag})
        bodies.append(assert_problem(response, 422, "invalid-phone"))
    assert len({body["type"] for body in bodies}) == 1
    assert len({body["detail"] for body in bodies}) == 1
    assert "country code" in bodies[0]["detail"]  # developer-facing English
    assert len({body["title"] for body in bodies}) == 4


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        ("pt-BR,pt;q=0.9,en;q=0.8", "pt-BR"),
        ("es-MX", "es"),  # a region reads its language's catalog
        ("de-DE, ht;q=0.5", "ht"),  # the first language Mutua speaks
        ("en;q=0.2, vi;q=0.9", "vi"),  # by weight, not by order
        ("zh-Hans-CN", "zh-Hans"),
        ("zh-TW", "en"),  # Traditional Chinese is refused, not answered in Simplified
        ("de, ja", "en"),  # nothing we speak
        ("tl", "fil"),
        ("*", "en"),
        ("not a language tag;;q=x", "en"),
    ],
)
async def test_accept_language_picks_the_title(
    api: Api, accept_language: str, language: str
) -> None:
    response = await bad_phone(api, **{"Accept-Language": accept_language})
    body = assert_problem(response, 422, "invalid-phone")
    assert response.headers["content-language"] == language
    assert body["title"] == problem_title("invalid-phone", language)


async def test_litestars_own_errors_are_titled_too(api: Api) -> None:
    missing = await api.client.get("/v1/no-such-route", headers={"Accept-Language": "fr"})
    assert assert_problem(missing, 404, "not-found")["title"] == "Introuvable"
    assert missing.headers["content-language"] == "fr"

    malformed = await api.client.post(
        "/v1/auth/otp",
        content=b'{"phone": ',
        headers={"Content-Type": "application/json", "Accept-Language": "ar"},
    )
    assert assert_problem(malformed, 400, "malformed-json")["title"] == problem_title(
        "malformed-json", "ar"
    )
    assert malformed.headers["content-language"] == "ar"

    anonymous = await api.client.get("/v1/me", headers={"Accept-Language": "sw"})
    assert assert_problem(anonymous, 401, "unauthorized")["title"] == "Unahitaji kuingia"
    assert anonymous.headers["content-language"] == "sw"

    unknown_field = await api.client.post(
        "/v1/auth/otp", json={**BAD_PHONE, "admin": True}, headers={"Accept-Language": "vi"}
    )
    body = assert_problem(unknown_field, 422, "validation-failed")
    assert body["title"] == "Yêu cầu không hợp lệ"


async def test_the_idempotency_layer_titles_its_refusals(api: Api) -> None:
    worker = await api.worker_headers(WORKER)
    response = await api.client.post(
        JOIN,
        json={"code": "ABC123"},
        headers={**worker, "Idempotency-Key": "k" * 300, "Accept-Language": "hi"},
    )
    body = assert_problem(response, 400, "invalid-idempotency-key")
    assert body["title"] == "Idempotency-Key हेडर मान्य नहीं है"
    assert response.headers["content-language"] == "hi"
    assert body["detail"].startswith("use 1 to 255 printable characters")

    plain = await api.client.post(
        JOIN, json={"code": "ABC123"}, headers={**worker, "Idempotency-Key": " "}
    )
    assert assert_problem(plain, 400, "invalid-idempotency-key")["title"] == (
        "The Idempotency-Key header is not valid"
    )
    assert plain.headers["content-language"] == "en"


async def test_a_reused_key_is_refused_in_the_callers_language(api: Api) -> None:
    worker = await api.worker_headers(WORKER)
    headers = {**worker, "Idempotency-Key": "reused-key-1", "Accept-Language": "bn"}
    first = await api.client.post(JOIN, json={"code": "ABC123"}, headers=headers)
    assert assert_problem(first, 404, "join-code-not-found")["title"] == problem_title(
        "join-code-not-found", "bn"
    )
    assert first.headers["content-language"] == "bn"

    other = await api.client.post(JOIN, json={"code": "XYZ789"}, headers=headers)
    body = assert_problem(other, 422, "idempotency-key-reused")
    assert body["title"] == problem_title("idempotency-key-reused", "bn")
    assert other.headers["content-language"] == "bn"


def test_a_problem_built_without_a_request_is_english() -> None:
    response = problem(503, "not-ready", "The database is not reachable")
    assert response.content["title"] == "The database is not reachable"
    assert response.headers["Content-Language"] == "en"
