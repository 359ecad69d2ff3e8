"""What every request must satisfy before any handler sees it: no control characters in its
text, no query parameter the route does not take, no JSON nested deeper than any of our
bodies can be, and JSON read strictly.

These checks run once, for every route, because the failures they prevent are not any one
route's business: PostgreSQL refuses NUL in text (the driver raises, and a route answered
500), msgspec gives up on nesting around a thousand levels with a RecursionError (another
500), and a control character in a name or an email is never what a person meant. Query
parameters are checked on every route, JSON bodies on every route that takes one.

TAB, LF and CR are the three control characters let through: they are whitespace, which
each field already normalises or refuses by its own rules.

An unknown query parameter is refused like an unknown body field (`validation-failed`):
`?form=2026-01` for `?from=` would otherwise answer the whole unfiltered list, and the
client would never learn of its typo.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.routes import HTTPRoute

from api.strict_json import refuse_lax_json, struct_body_type
from core.errors import ValidationFailed

MAX_JSON_DEPTH = 16
"""Deepest nesting of arrays and objects a JSON body may have; ours need three at most."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ControlCharacters(ValidationFailed):
    """A text field (or a query parameter) holds a control character; `field` names it."""

    slug = "control-characters"
    title = "The request contains control characters"


class JsonTooDeep(ValidationFailed):
    slug = "json-too-deep"
    title = "The JSON body is nested too deeply"

    def __init__(self) -> None:
        super().__init__(f"nest arrays and objects at most {MAX_JSON_DEPTH} levels deep")


def _refuse_control(text: str, where: str) -> None:
    found = _CONTROL.search(text)
    if found is not None:
        raise ControlCharacters(
            f"{where} holds the control character U+{ord(found.group()):04X}", field=where
        )


def _inspect(value: Any, where: str, depth: int) -> None:
    """Walk a decoded JSON value: bounded depth, no control characters in keys or strings."""
    if isinstance(value, str):
        _refuse_control(value, where or "data")
        return
    if not isinstance(value, dict | list):
        return
    if depth >= MAX_JSON_DEPTH:
        raise JsonTooDeep()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            _refuse_control(key, path)
            if isinstance(item, str | dict | list):
                _inspect(item, path, depth + 1)
    else:
        for index, item in enumerate(value):
            if isinstance(item, str | dict | list):
                _inspect(item, f"{where}[{index}]", depth + 1)


def inspect_json(body: bytes) -> None:
    """Refuse a body nested too deeply or holding control characters in its text.

    Malformed JSON is left alone here: the strict decode after this reports it, with the
    problem type clients already know (`malformed-json`).
    """
    try:
        value = msgspec.json.decode(body)
    except RecursionError:  # msgspec's own limit, far beyond ours
        raise JsonTooDeep() from None
    except msgspec.DecodeError:
        return
    _inspect(value, "", 0)


def _query_names(request: Request[Any, Any, Any]) -> frozenset[str]:
    """The query parameters the request's route handler takes, as Litestar reads them (its
    kwargs model), worked out once per app."""
    state = request.app.state
    known: dict[int, frozenset[str]] | None = state.get("query_names")
    if known is None:
        known = {
            id(handler): frozenset(param.field_alias for param in model.expected_query_params)
            for route in request.app.routes
            if isinstance(route, HTTPRoute)
            for handler, model in route.route_handler_map.values()
        }
        state["query_names"] = known
    return known.get(id(request.route_handler), frozenset())


async def check_request(request: Request[Any, Any, Any]) -> None:
    """Litestar `before_request` hook: the checks above, then the strict JSON read."""
    known = _query_names(request)
    # A page opened from a link may carry parameters nobody chose (utm_source, fbclid): the
    # web pages read only the ones they take and ignore the rest.
    lenient = request.route_handler.opt.get("unknown_query") == "ignore"
    for name, value in request.query_params.multi_items():
        _refuse_control(name, name)
        _refuse_control(value, name)
        if name not in known and not lenient:
            raise ValidationFailed(
                f"{name!r} is not a query parameter of this route",
                errors=[{"message": "unknown query parameter", "key": name, "source": "query"}],
            )
    if struct_body_type(request) is None:
        return
    body = await request.body()
    if body.strip():
        inspect_json(body)
    await refuse_lax_json(request)
