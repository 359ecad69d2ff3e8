"""The Swagger UI at /schema, loading a pinned Swagger UI whose files the browser verifies.

Litestar's page loads Swagger UI's script and stylesheet from a public CDN. Were the CDN,
or the path to it, ever to serve other bytes, that script would run on a page an
administrator opens with a token in hand. Each file is pinned to one release and carries
its Subresource Integrity hash (computed from the release's published package), so the
browser refuses anything else. The favicon, loaded from a moving branch, is left out.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import SwaggerRenderPlugin

SWAGGER_UI_VERSION = "5.18.2"
INTEGRITY = {
    "swagger-ui-bundle.js": (
        "sha384-NXtFPpN61oWCuN4D42K6Zd5Rt2+uxeIT36R7kpXBuY9tLnZorzrJ4ykpqwJfgjpZ"
    ),
    "swagger-ui.css": "sha384-rcbEi6xgdPk0iWkAQzT2F3FeBJXdG+ydrawGlfHAFIZG7wU6aKbQaRewysYpmrlW",
    "swagger-ui-standalone-preset.js": (
        "sha384-qr68CD0cvHa88PmVu7e1a58Ego4qvKtcvcLdS2a8Mo5zILI01gyIV9jVwJk7X2NU"
    ),
}
"""sha384 of each file of swagger-ui-dist at `SWAGGER_UI_VERSION`."""


class PinnedSwaggerUI(SwaggerRenderPlugin):
    def __init__(self, path: str = "/") -> None:
        super().__init__(version=SWAGGER_UI_VERSION, path=path, favicon="")

    def _pinned(self, url: str) -> str:
        integrity = INTEGRITY[url.rsplit("/", 1)[-1]]
        return f'integrity="{integrity}" crossorigin="anonymous"'

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        page = super().render(request, openapi_schema).decode()
        tags = {
            f'<link href="{self.css_url}" rel="stylesheet">': (
                f'<link href="{self.css_url}" rel="stylesheet" {self._pinned(self.css_url)}>'
            ),
            f'<script src="{self.js_url}" crossorigin></script>': (
                f'<script src="{self.js_url}" {self._pinned(self.js_url)}></script>'
            ),
            f'<script src="{self.standalone_preset_js_url}" crossorigin></script>': (
                f'<script src="{self.standalone_preset_js_url}" '
                f"{self._pinned(self.standalone_preset_js_url)}></script>"
            ),
        }
        for original, pinned in tags.items():
            if original not in page:  # Litestar changed its page: fail loudly, never unpinned
                raise RuntimeError(f"Swagger UI page no longer contains {original!r}")
            page = page.replace(original, pinned)
        return page.encode()
