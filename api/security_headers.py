"""Headers every response carries, whoever produced it (a route, an error handler, a replay
from the idempotency table, Litestar's own 404).

- `X-Content-Type-Options: nosniff`: a browser must take a JSON answer (which can echo a
  worker's name) as JSON, never sniff it into HTML or script.
- `Cache-Control: no-store` on everything but the OpenAPI pages: answers carry personal
  data and access tokens, which no browser cache or shared proxy may keep.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import MutableScopeHeaders

PUBLIC_PREFIX = "/schema"
"""The OpenAPI document and its UI: the same for everyone, and fine to cache."""


async def add_security_headers(message: Any, scope: Any) -> None:
    """Litestar `before_send` hook."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    headers["X-Content-Type-Options"] = "nosniff"
    if not str(scope.get("path", "")).startswith(PUBLIC_PREFIX):
        headers["Cache-Control"] = "no-store"
