"""JSON request bodies are read in msgspec's strict mode.

Litestar converts request data in lax mode, which suits query strings (all text) but lets a
JSON body say `"amount_minor": "12"`, `"1e3"` or `"rules": "null"` and have it taken as a
number or a null. JSON has numbers; an amount sent as text is a client bug, and guessing
what it meant is how money gets recorded wrong. Bodies that lax mode refuses anyway are left
to Litestar, so their errors (and the order of the checks) stay as they were.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException


def struct_body_type(request: Request[Any, Any, Any]) -> type[msgspec.Struct] | None:
    """The Struct the handler reads its JSON `data` body into, if it takes one."""
    field = request.route_handler.parsed_fn_signature.parameters.get("data")
    target = field.annotation if field is not None else None
    if isinstance(target, type) and issubclass(target, msgspec.Struct):
        return target
    return None


async def refuse_lax_json(request: Request[Any, Any, Any]) -> None:
    """Before a handler with a Struct `data` body runs: 422 for values only lax mode accepts."""
    target = struct_body_type(request)
    if target is None:
        return
    body = await request.body()
    if not body.strip():
        return
    try:
        msgspec.json.decode(body, type=target)
    except msgspec.ValidationError as strict_error:
        try:
            msgspec.json.decode(body, type=target, strict=False)
        except (msgspec.ValidationError, msgspec.DecodeError):
            return  # invalid either way: Litestar's own validation reports it
        message, _, where = str(strict_error).partition(" - at `")
        key = where.rstrip("`").removeprefix("$").removeprefix(".") or "data"
        raise ValidationException(
            detail=f"Validation failed for {request.method} {request.url.path}",
            extra=[{"message": message, "key": key, "source": "body"}],
        ) from None
    except msgspec.DecodeError:
        return  # malformed JSON: Litestar reports it
