"""Which address a request is counted under by the per-address limits."""

from __future__ import annotations

import pytest

from api.client_address import TrustedProxies, limit_key

PROXY = "10.0.0.5"


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded_for", "client"),
    [
        # Believed from nobody by default: a client cannot name its own address.
        ((), "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ((), "127.0.0.1", "198.51.100.1", "127.0.0.1"),
        # From a trusted proxy, the address it saw the request come from.
        (("10.0.0.0/8",), PROXY, "198.51.100.1", "198.51.100.1"),
        # What the client wrote itself sits to the left of what the proxy appended.
        (("10.0.0.0/8",), PROXY, "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # Two trusted hops: skip both.
        (("10.0.0.0/8",), PROXY, "1.2.3.4, 198.51.100.1, 10.0.0.7", "198.51.100.1"),
        # A peer outside the list is the client, whatever it forwards.
        (("10.0.0.0/8",), "192.0.2.1", "198.51.100.1", "192.0.2.1"),
        # A trusted proxy with no header, or a mangled one, is taken as it is.
        (("10.0.0.0/8",), PROXY, None, PROXY),
        (("10.0.0.0/8",), PROXY, "1.2.3.4, not-an-ip", PROXY),
        (("127.0.0.1",), "127.0.0.1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address(
    trusted: tuple[str, ...], peer: str, forwarded_for: str | None, client: str
) -> None:
    assert TrustedProxies(trusted).client(peer, forwarded_for) == client


def test_an_ipv6_client_is_counted_by_its_slash_64() -> None:
    assert limit_key("2001:db8:1:2:aaaa::1") == limit_key("2001:db8:1:2:bbbb::9")
    assert limit_key("2001:db8:1:2::1") != limit_key("2001:db8:1:3::1")
    assert limit_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert limit_key("::ffff:198.51.100.1") == "198.51.100.1"
    assert limit_key("198.51.100.1") == "198.51.100.1"
    assert limit_key("testclient") == "testclient"
