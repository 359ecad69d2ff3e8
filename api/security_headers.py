"""Headers every response carries, whoever produced it (a route, an error handler, a replay
from the idempotency table, Litestar's own 404).

- `X-Content-Type-Options: nosniff`: a browser must take a JSON answer (which can echo a
  worker's name) as JSON, never sniff it into HTML or script.
- `Cache-Control: no-store` on everything but the OpenAPI pages and the pages' static files
  (stylesheet, script): answers carry personal data and access tokens, which no browser
  cache or shared proxy may keep.
- `Allow` on an `OPTIONS` answer lists every method of the path. Litestar's own answer
  lists only the methods of the first handler registered for a path, so `OPTIONS /v1/me`
  said `GET, OPTIONS` and hid `PATCH`; the methods are taken from the app's routes instead.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute

PUBLIC_PREFIXES = ("/schema", "/static/")
"""The OpenAPI document and its UI, the pages' stylesheet and script: the same for
everyone, and fine to cache."""


async def add_security_headers(message: Any, scope: Any) -> None:
    """Litestar `before_send` hook."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    headers["X-Content-Type-Options"] = "nosniff"
    if scope.get("method") == "OPTIONS" and "allow" in headers:
        handler = scope.get("route_handler")
        templates = set(getattr(handler, "paths", ()))
        methods = {
            method
            for route in scope["app"].routes
            if isinstance(route, HTTPRoute) and route.path in templates
            for method in route.methods
        }
        if methods:
            headers["Allow"] = ", ".join(sorted(methods))
    if not str(scope.get("path", "")).startswith(PUBLIC_PREFIXES):
        headers["Cache-Control"] = "no-store"
