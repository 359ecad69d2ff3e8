"""The OpenAPI document is useful to read: every body has an example that the API accepts,
every operation says what it does, and the headers and public routes are documented."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import msgspec
import pytest
from litestar import Litestar

from api.app import create_app
from core.settings import Settings
from income.csv_statement import parse_statement

APP = create_app(Settings(secret_key="openapi-test-secret-key", sms_provider="memory"))
DOCUMENT: dict[str, Any] = APP.openapi_schema.to_schema()
PUBLIC = {
    ("POST", "/v1/auth/otp"),
    ("POST", "/v1/auth/otp/verify"),
    ("POST", "/v1/auth/admin/login"),
    ("POST", "/v1/sms/twilio"),
    ("POST", "/v1/sms/twilio/status"),
    ("POST", "/v1/ussd/africastalking"),
    ("POST", "/v1/sms/africastalking/inbound"),
    ("POST", "/v1/sms/africastalking/delivery"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("POST", "/v1/webhooks/plaid"),
}


def handlers(app: Litestar) -> Iterator[tuple[str, str, Any]]:
    """(method, path as the document writes it, handler) of every documented operation."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not handler.resolve_include_in_schema():
                continue
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
            for method in handler.http_methods:
                if method != "OPTIONS":
                    yield method, path, handler


OPERATIONS = sorted(
    ((method, path, handler) for method, path, handler in handlers(APP)),
    key=lambda item: (item[1], item[0]),
)


def operation(method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = DOCUMENT["paths"][path][method.lower()]
    return found


def json_example(method: str, path: str) -> Any:
    """The documented example of an operation's JSON body (None without a JSON body)."""
    content = operation(method, path).get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return content["application/json"]["schema"].get("examples", [None])[0]


@pytest.mark.parametrize(
    ("method", "path", "handler"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_every_operation_says_what_it_does(method: str, path: str, handler: Any) -> None:
    documented = operation(method, path)
    assert documented.get("summary") and documented.get("description"), documented
    body = handler.parsed_fn_signature.parameters.get("data")
    if body is None:
        return
    example = json_example(method, path)
    assert example is not None, f"{method} {path} has a JSON body but no example"
    # The example is a body the API takes as it is: strict types, no unknown field.
    msgspec.convert(example, body.annotation, strict=True)


def test_the_statement_route_documents_a_csv_body_that_imports() -> None:
    body = operation("POST", "/v1/me/income/csv")["requestBody"]
    assert set(body["content"]) == {"text/csv"}
    example = body["content"]["text/csv"]["example"]
    lines = parse_statement(example.encode(), currency="USD", today=date(2026, 12, 31))
    assert len(lines) == example.count("\n") - 1


def test_headers_the_api_reads_are_documented() -> None:
    for method, path, handler in OPERATIONS:
        names = {p["name"] for p in operation(method, path).get("parameters", [])}
        assert "Accept-Language" in names, f"{method} {path}"
        idempotent = method == "POST" and handler.opt.get("idempotency") is not False
        assert ("Idempotency-Key" in names) == idempotent, f"{method} {path}"


def test_public_routes_are_marked_public_and_the_others_need_a_token() -> None:
    # No document-wide requirement: each route that needs the token says so itself (an
    # empty per-route list would be read as "inherit" by Litestar).
    assert not DOCUMENT.get("security"), DOCUMENT.get("security")
    for method, path, _ in OPERATIONS:
        security = operation(method, path).get("security")
        if (method, path) in PUBLIC:
            assert not security, f"{method} {path} should need no token"
        else:
            assert security == [{"bearer": []}], f"{method} {path} should need the bearer token"
