"""What the OpenAPI document and its pages need beyond what Litestar derives by itself."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar._openapi.plugin import handle_schema_path_not_found
from litestar.exceptions import NotFoundException

DOCS_PATH = "/schema"


def refuse_unknown_docs_page(request: Request[Any, Any, Any]) -> None:
    """A page under /schema that does not exist (`/schema/redoc`) is a 404 problem like any
    other, instead of the bare HTML page Litestar answers with there."""
    handler: object = request.route_handler.fn
    if handler is handle_schema_path_not_found:
        raise NotFoundException(
            f"no documentation page at {request.url.path}: the API's pages are "
            f"{DOCS_PATH} and the document {DOCS_PATH}/openapi.json"
        )
