"""Every error leaves the API as RFC 9457 problem details with a stable `type`.

Litestar's own errors (bad JSON, unknown fields, wrong types, oversized bodies, unknown
routes) are mapped here too, so a client never has to parse two error shapes and nothing a
caller sends can produce a bare 500.

What each member is for, and who reads it:
- `type` is the stable identifier (`https://mutua.coop/problems/<slug>`): clients branch on
  it, never on the wording.
- `title` is the heading a person sees, so it is in the caller's language, from the i18n
  catalogs (`i18n.problem_title`), and the response says which with `Content-Language`
  (and `Vary: Accept-Language`).
- `detail` is developer-facing English, free to improve, never shown to workers as is.

The language is the first supported one in the request's `Accept-Language`, else English.
The worker's saved language is not looked up here: exception handlers run synchronously,
with no database session, and may be answering precisely because the database failed, so a
query here would slow or break every error. Mutua's own clients send the worker's language
(`GET /v1/me` returns it) as `Accept-Language`, which makes the two agree. A slug missing from
the catalogs is a bug the tests catch; should one slip through, its English title is sent
and the miss is logged, rather than turning an error into a 500.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
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
from core.logs import loggable
from i18n import UnknownProblemType, choose_language, problem_title

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
_OTHER_STATUS = ("http-error", "Request failed")
"""For an HTTP error status none of the above names."""


def problem_language(accept_language: str | None) -> str:
    """The supported language to title a problem in: `Accept-Language`'s best, else English."""
    return choose_language(
        chosen=None, accept_language=accept_language, phone_e164=None, pool_default=None
    )


def localized_title(slug: str, english: str, language: str) -> str:
    """The problem's title in `language`; its English title (logged) if the slug has none."""
    try:
        return problem_title(slug, language)
    except UnknownProblemType:
        logger.error("problem %r has no title in the catalogs; answering in English", slug)
        return english


def problem_body(
    status: int, slug: str, title: str, detail: str | None, language: str
) -> dict[str, Any]:
    """The RFC 9457 members every problem has; `title` is the English fallback."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": localized_title(slug, title, language),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    return body


def _respond(
    status: int,
    slug: str,
    title: str,
    detail: str | None,
    extra: dict[str, Any],
    request: Request[Any, Any, Any] | None,
    headers: Mapping[str, str] | None = None,
) -> Response[dict[str, Any]]:
    accept = request.headers.get("accept-language") if request is not None else None
    language = problem_language(accept)
    body = problem_body(status, slug, title, detail, language)
    body.update({key: value for key, value in extra.items() if value is not None})
    headers = {**(headers or {}), "Content-Language": language}
    if request is not None:
        headers["Vary"] = "Accept-Language"
    retry_after = extra.get("retry_after_seconds")
    if isinstance(retry_after, int) and not isinstance(retry_after, bool):
        # The same wait as the body says, where HTTP clients and proxies look for it.
        headers["Retry-After"] = str(max(retry_after, 1))
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    request: Request[Any, Any, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    """A problem response; titled in the request's language when `request` is given, else in
    English (`title` is the English text, used as is only if the catalogs lack the slug).
    `headers` go out with it (a 405's `Allow`)."""
    return _respond(status, slug, title, detail, extra, request, headers)


def mutua_error_handler(
    request: Request[Any, Any, Any], exc: MutuaError
) -> Response[dict[str, Any]]:
    return _respond(exc.status, exc.slug, exc.title, exc.detail, exc.extra, request)


def validation_handler(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    """Litestar's 400 for unreadable or ill-typed bodies and parameters.

    Malformed JSON is 400 (`malformed-json`); a body that parses but breaks the schema
    (unknown field, wrong type, missing field) is 422 `validation-failed`, with the fields.
    """
    errors = _named_as_sent(request, exc.extra) if isinstance(exc.extra, list) else None
    detail = str(exc.detail)
    if "JSON is malformed" in detail or ("decode" in detail.lower() and not errors):
        return problem(400, "malformed-json", "The body is not valid JSON", detail, request=request)
    return problem(
        422, "validation-failed", "The request is not valid", detail, request=request, errors=errors
    )


def _named_as_sent(request: Request[Any, Any, Any], errors: list[Any]) -> list[Any]:
    """Litestar names a bad query parameter or header by its Python name (`from_month`);
    the client sent it as `from`, so that is the name the error gives."""
    handler = request.scope.get("route_handler")
    parameters = handler.parsed_fn_signature.parameters if handler is not None else {}
    named: list[Any] = []
    for error in errors:
        key = error.get("key") if isinstance(error, dict) else None
        field = parameters.get(key) if isinstance(key, str) else None
        kwarg = getattr(field, "kwarg_definition", None)
        alias = next(
            (
                name
                for name in (getattr(kwarg, attribute, None) for attribute in _ALIASES)
                if isinstance(name, str) and name
            ),
            None,
        )
        named.append({**error, "key": alias} if alias else error)
    return named


_ALIASES = ("query", "header", "cookie", "name")
"""Where Litestar keeps the name a parameter is sent under (`Parameter(query=...)`,
`QueryParameter(name=...)`)."""


def http_error_handler(
    request: Request[Any, Any, Any], exc: HTTPException
) -> Response[dict[str, Any]]:
    if exc.status_code == 400 and isinstance(exc.__cause__, SerializationException):
        # Litestar reports a body it cannot decode as a plain 400 raised from this.
        return problem(
            400, "malformed-json", "The body is not valid JSON", str(exc.detail), request=request
        )
    slug, title = _SLUGS_BY_STATUS.get(exc.status_code, _OTHER_STATUS)
    if isinstance(exc, NotFoundException):
        slug, title = _SLUGS_BY_STATUS[404]
    elif isinstance(exc, NotAuthorizedException):
        slug, title = _SLUGS_BY_STATUS[401]
    elif isinstance(exc, PermissionDeniedException):
        slug, title = _SLUGS_BY_STATUS[403]
    if exc.status_code >= 500:
        logger.error("HTTP error %s: %s", exc.status_code, exc.detail)
        return problem(
            exc.status_code, "internal-error", "Something went wrong on our side", request=request
        )
    detail = str(exc.detail) if exc.detail else None
    # Litestar's own headers stay: `Allow` on a 405 says which methods the path takes.
    return problem(exc.status_code, slug, title, detail, request=request, headers=exc.headers)


def unexpected_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    """A 500 whose `instance` names the log line, which is written without personal data
    (see `core.logs`): the path carries ids only, and the body is never logged."""
    error_id = uuid.uuid4().hex
    logger.error(
        "unhandled error %s on %s %s\n%s",
        error_id,
        request.method,
        request.url.path,
        loggable(exc),
    )
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal-error",
        "Something went wrong on our side",
        request=request,
        instance=f"urn:mutua:error:{error_id}",
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    MutuaError: mutua_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    Exception: unexpected_error_handler,
}

__all__ = [
    "EXCEPTION_HANDLERS",
    "PROBLEM_JSON",
    "MediaType",
    "problem",
    "problem_body",
    "problem_language",
]
