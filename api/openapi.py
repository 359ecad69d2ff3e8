"""What the OpenAPI document and its pages need beyond what Litestar derives by itself.

Litestar documents a JSON body from its Struct, but not an example of it, nor a body it
does not parse itself (the CSV statement), nor the headers a middleware reads
(`Idempotency-Key`), nor that a route needs no token (an empty `security` list is dropped).
The handlers say so with `json_body(example)` and `operation_class=documented(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from litestar import Request
from litestar._openapi.plugin import handle_schema_path_not_found
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.openapi.spec import (
    Example,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.openapi.spec import Parameter as ParameterSpec
from litestar.params import Body, HeaderParameter

from api.idempotency import MAX_KEY_LENGTH

DOCS_PATH = "/schema"

ACCEPT_LANGUAGE = {
    "accept_language": HeaderParameter(
        annotation=str,
        name="Accept-Language",
        required=False,
        description=(
            "The language of problem titles (`Content-Language` names the one used): the "
            "most preferred of Mutua's 12, else English. Mutua's own clients send the "
            "worker's language (`GET /v1/me`)."
        ),
    )
}
"""Read by every route that can answer with a problem, so declared for the whole app."""


def json_body(example: dict[str, Any], description: str | None = None) -> Any:
    """A JSON request body documented with `example` (which a test decodes into the body's
    Struct and finds in the README)."""
    return Body(
        media_type=RequestEncodingType.JSON,
        description=description,
        examples=[Example(summary="Example", value=example)],
    )


@cache
def documented(
    *, public: bool = False, idempotent: bool = False, csv_example: str | None = None
) -> type[Operation]:
    """An operation class that adds what the handler cannot declare to Litestar.

    `public`: no token needed (`security: []`, which Litestar otherwise leaves out, so the
    document's global bearer requirement would apply). `idempotent`: the route honours
    `Idempotency-Key`. `csv_example`: the body is a CSV statement, read as raw text.
    """

    @dataclass
    class DocumentedOperation(Operation):
        def __post_init__(self) -> None:
            if public:
                self.security = []
            if idempotent:
                self.parameters = [*(self.parameters or []), _IDEMPOTENCY_KEY]
            if csv_example is not None:
                self.request_body = RequestBody(
                    required=True,
                    description="A CSV statement, `date,platform,amount` (see the README).",
                    content={
                        "text/csv": OpenAPIMediaType(
                            schema=Schema(type=OpenAPIType.STRING), example=csv_example
                        )
                    },
                )

    return DocumentedOperation


_IDEMPOTENCY_KEY = ParameterSpec(
    name="Idempotency-Key",
    param_in="header",
    required=False,
    schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=MAX_KEY_LENGTH),
    description=(
        "Any unique string, such as a UUID. A retry with the same key returns the first "
        "response (with `Idempotent-Replayed: true`) for 24 hours; the same key with another "
        "body is 422, and one whose first request is still running is 409."
    ),
)


def refuse_unknown_docs_page(request: Request[Any, Any, Any]) -> None:
    """A page under /schema that does not exist (`/schema/redoc`) is a 404 problem like any
    other, instead of the bare HTML page Litestar answers with there."""
    handler: object = request.route_handler.fn
    if handler is handle_schema_path_not_found:
        raise NotFoundException(
            f"no documentation page at {request.url.path}: the API's pages are "
            f"{DOCS_PATH} and the document {DOCS_PATH}/openapi.json"
        )
