"""What each route may answer, as the OpenAPI document states it.

Litestar documents a route's success and, for any route with a body or parameters, a 400
in its own error shape, which Mutua never sends. So every route states its answers here
instead: each status it can return, as `application/problem+json` with the `Problem`
schema, and under it every problem `type` that status can carry, one named example per
slug. Clients generate code from this document and schemathesis holds the server to it
(tests/api/test_fuzz.py), so a status or a type that is not listed is a bug either way.

Routes compose their list from the groups below (`SIGNED_IN`, `JSON_BODY`, `IDEMPOTENT`,
`PAGED`) plus the domain errors they raise themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example, OpenAPI, OpenAPIResponse, Operation, Schema
from litestar.params import HeaderParameter

from api.edge import ControlCharacters, JsonTooDeep
from api.paging import InvalidCursor
from api.problems import PROBLEM_JSON
from api.schemas import Strict
from core.errors import PROBLEM_BASE, Forbidden, MutuaError, NotFound, Unauthorized


class Problem(msgspec.Struct, kw_only=True):
    """RFC 9457 problem details. Clients branch on `type`; other members are extensions a
    type may add (`errors`, `field`, `retry_after_seconds`, `line`, `reason`, ...)."""

    type: str
    """`https://mutua.coop/problems/<slug>`, stable once published."""
    title: str
    """A heading in the caller's language (see `Content-Language`)."""
    status: int
    detail: str | msgspec.UnsetType = msgspec.UNSET
    """Developer-facing English; never shown to workers as it is."""
    instance: str | msgspec.UnsetType = msgspec.UNSET
    """For a 500: the id of the log line that tells what failed."""
    retry_after_seconds: int | msgspec.UnsetType = msgspec.UNSET
    """For a 429 or 503: the same wait as the `Retry-After` header."""
    field: str | msgspec.UnsetType = msgspec.UNSET
    errors: list[dict[str, Any]] | msgspec.UnsetType = msgspec.UNSET
    """For `validation-failed`: each field that failed, and why."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    slug: str
    title: str


def answer(error: type[MutuaError]) -> Answer:
    return Answer(error.status, error.slug, error.title)


MALFORMED_JSON = Answer(400, "malformed-json", "The body is not valid JSON")
VALIDATION_FAILED = Answer(422, "validation-failed", "The request is not valid")
BODY_TOO_LARGE = Answer(413, "body-too-large", "The request body is too large")
NOT_FOUND = answer(NotFound)

SIGNED_IN = (answer(Unauthorized), answer(Forbidden))
"""Routes that need a token: no token, a bad one, or the wrong kind of caller."""
QUERY = (VALIDATION_FAILED, answer(ControlCharacters))
JSON_BODY = (
    MALFORMED_JSON,
    VALIDATION_FAILED,
    answer(ControlCharacters),
    answer(JsonTooDeep),
    BODY_TOO_LARGE,
)
IDEMPOTENT = (
    Answer(400, "invalid-idempotency-key", "The Idempotency-Key header is not valid"),
    Answer(422, "idempotency-key-reused", "This Idempotency-Key was used for a different request"),
    Answer(
        409,
        "idempotency-request-in-flight",
        "A request with this Idempotency-Key is still being processed",
    ),
    BODY_TOO_LARGE,
)
PAGED = (*QUERY, answer(InvalidCursor))

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[ -~]*[!-~][ -~]*$",
        description=(
            "1-255 printable ASCII characters, such as a UUID: a retry with the same key "
            "gets the first answer (with `Idempotent-Replayed: true`) instead of running again"
        ),
    ),
]
"""Declared by POST handlers so the document shows the header; the idempotency middleware,
not the handler, acts on it."""


def problems(*groups: Answer | type[MutuaError] | Iterable[Answer]) -> dict[int, ResponseSpec]:
    """The `responses=` of a route: each status with every problem type it can carry."""
    found: dict[int, dict[str, Answer]] = {}
    for group in groups:
        if isinstance(group, Answer):
            items: Iterable[Answer] = (group,)
        elif isinstance(group, type):
            items = (answer(group),)
        else:
            items = group
        for item in items:
            found.setdefault(item.status, {})[item.slug] = item
    return {status: _spec(status, answers) for status, answers in sorted(found.items())}


def _spec(status: int, answers: dict[str, Answer]) -> ResponseSpec:
    listed = ", ".join(f"`{slug}`" for slug in sorted(answers))
    return ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_JSON,
        description=f"Problem details; `type` is one of: {listed}",
        generate_examples=False,
        examples=[
            Example(
                id=item.slug,
                summary=item.title,
                value={"type": PROBLEM_BASE + item.slug, "title": item.title, "status": status},
            )
            for item in sorted(answers.values(), key=lambda a: a.slug)
        ],
    )


def _subclasses(cls: type[Strict]) -> list[type[Strict]]:
    found = [cls]
    for subclass in cls.__subclasses__():
        found.extend(_subclasses(subclass))
    return found


def also(status: int, data: type[Any], description: str) -> dict[int, ResponseSpec]:
    """A second success status, such as 200 beside 201 when nothing new was made."""
    return {status: ResponseSpec(data_container=data, description=description)}


def tidy(openapi: OpenAPI) -> OpenAPI:
    """Make the generated document say only what is true.

    Litestar adds a 400 in its own error shape to every route with a body or parameters;
    Mutua answers errors as problem details only, so any error response not documented as
    `application/problem+json` (by `problems` above) is dropped. Request bodies refuse
    unknown members (`forbid_unknown_fields`), which Litestar does not state: their schemas
    get `additionalProperties: false`. Example objects lose the `id` Litestar keys them by,
    which is not a member of an OpenAPI Example.
    """
    closed = {cls.__name__ for cls in _subclasses(Strict)}
    for name, schema in ((openapi.components and openapi.components.schemas) or {}).items():
        if name in closed and isinstance(schema, Schema):
            schema.additional_properties = False
    for path_item in (openapi.paths or {}).values():
        for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            operation: Operation | None = getattr(path_item, method, None)
            if operation is None or not operation.responses:
                continue
            for status in list(operation.responses):
                response = operation.responses[status]
                if not isinstance(response, OpenAPIResponse):
                    continue
                content = response.content or {}
                if int(status) >= 400 and PROBLEM_JSON not in content:
                    del operation.responses[status]
                    continue
                for media in content.values():
                    for example in (media.examples or {}).values():
                        if isinstance(example, Example):
                            example.id = None
    return openapi
