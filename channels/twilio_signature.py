"""Twilio's webhook signature, computed exactly as Twilio computes it.

The string signed is the full URL Twilio requested (as configured at Twilio: our public
URL, which a proxy hides from us, hence `MUTUA_PUBLIC_URL`), followed by every POST
parameter's name and value, names in sorted order (a name sent several times contributes
each distinct value, sorted). HMAC-SHA1 with the account's auth token, base64. Twilio is
inconsistent about default ports, so the URL is tried with and without `:443` / `:80`.
The official validator (`twilio.request_validator.RequestValidator`) agrees; the tests
hold the two together.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Twilio-Signature"


def signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    signed = url + "".join(
        name + value for name in sorted(values) for value in sorted(values[name])
    )
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def url_variants(url: str) -> tuple[str, str]:
    """The URL without and with its scheme's default port."""
    parts = urlsplit(url)
    host = parts.netloc if parts.port is None else parts.netloc.rsplit(":", 1)[0]
    default = 443 if parts.scheme == "https" else 80
    bare = parts._replace(netloc=parts.netloc if parts.port not in (None, default) else host)
    with_port = parts._replace(netloc=f"{host}:{parts.port or default}")
    return urlunsplit(bare), urlunsplit(with_port)


def is_valid(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], given: str | None
) -> bool:
    """Whether `given` is Twilio's signature of this request; compared in constant time."""
    if not auth_token or not given:
        return False
    items = list(params)
    expected = [signature(auth_token, variant, items) for variant in url_variants(url)]
    # Both compared, always: the time taken does not say which variant matched.
    results = [hmac.compare_digest(candidate.encode(), given.encode()) for candidate in expected]
    return any(results)
