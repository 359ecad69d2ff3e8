"""How callers prove who they are, as the OpenAPI document names it.

Routes that need a token say `security = SECURED` on their controller; public ones (sign-in,
the health checks) say nothing, and the document marks them public. There is no app-wide
default: Litestar takes an empty `security` on a route for "inherit", which had the public
routes listed as needing a token.
"""

from __future__ import annotations

from litestar.openapi.spec import SecurityScheme

SCHEMES = {"bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="opaque")}
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
