"""Security headers on pages (the JSON API gets its own in `api.security_headers`).

The pages load nothing from elsewhere and run no inline script, so the policy can be
strict: scripts, styles and images from this origin only, no frames in either direction,
forms posted here only. Charts are inline SVG styled by class from the stylesheet, so even
inline style attributes stay forbidden.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.datastructures import MutableScopeHeaders

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
API_PATH = re.compile(r"^/(v1/|health|ready|schema)")
"""Paths of the JSON API and its documents, which keep their own headers and errors."""


async def add_page_headers(message: Any, scope: Any) -> None:
    """Litestar `before_send` hook: every response outside the JSON API."""
    if message["type"] != "http.response.start" or API_PATH.match(str(scope.get("path", ""))):
        return
    headers = MutableScopeHeaders.from_message(message)
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
