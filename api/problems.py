"""Every error leaves the API as RFC 9457 problem details with a stable `type`.

Litestar's own errors (bad JSON, unknown fields, wrong types, oversized bodies, unknown
routes) are mapped here too, so a client never has to parse two error shapes and nothing a
caller sends can produce a bare 500.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    SerializationException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from core.errors import PROBLEM_BASE, MutuaError

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("mutua.api")

_SLUGS_BY_STATUS = {
    400: ("bad-request", "The request could not be read"),
    401: ("unauthorized", "Sign-in required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("body-too-large", "The request body is too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-failed", "The request is not valid"),
    429: ("rate-limited", "Too many requests"),
}


def problem(
    status: int, slug: str, title: str, detail: str | None = None, **extra: Any
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({key: value for key, value in extra.items() if value is not None})
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON)


def mutua_error_handler(_: Request[Any, Any, Any], exc: MutuaError) -> Response[dict[str, Any]]:
    return problem(exc.status, exc.slug, exc.title, exc.detail, **exc.extra)


def validation_handler(
    _: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    """Litestar's 400 for unreadable or ill-typed bodies and parameters.

    Malformed JSON is 400 (`malformed-json`); a body that parses but breaks the schema
    (unknown field, wrong type, missing field) is 422 `validation-failed`, with the fields.
    """
    errors = exc.extra if isinstance(exc.extra, list) else None
    detail = str(exc.detail)
    if "JSON is malformed" in detail or ("decode" in detail.lower() and not errors):
        return problem(400, "malformed-json", "The body is not valid JSON", detail)
    return problem(422, "validation-failed", "The request is not valid", detail, errors=errors)


def http_error_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if exc.status_code == 400 and isinstance(exc.__cause__, SerializationException):
        # Litestar reports a body it cannot decode as a plain 400 raised from this.
        return problem(400, "malformed-json", "The body is not valid JSON", str(exc.detail))
    slug, title = _SLUGS_BY_STATUS.get(exc.status_code, ("http-error", "Request failed"))
    if isinstance(exc, NotFoundException):
        slug, title = _SLUGS_BY_STATUS[404]
    elif isinstance(exc, NotAuthorizedException):
        slug, title = _SLUGS_BY_STATUS[401]
    elif isinstance(exc, PermissionDeniedException):
        slug, title = _SLUGS_BY_STATUS[403]
    if exc.status_code >= 500:
        logger.error("HTTP error %s: %s", exc.status_code, exc.detail)
        return problem(exc.status_code, "internal-error", "Something went wrong on our side")
    return problem(exc.status_code, slug, title, str(exc.detail) if exc.detail else None)


def unexpected_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR, "internal-error", "Something went wrong on our side"
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    MutuaError: mutua_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    Exception: unexpected_error_handler,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "problem"]
