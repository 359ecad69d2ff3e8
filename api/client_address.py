"""Who is on the other end of a request, for the limits that count per client address.

Behind a reverse proxy every request arrives from the proxy, and the client's address is in
`X-Forwarded-For`. That header is whatever the client wrote, plus what each proxy appended,
so it is believed only from the proxies named in `MUTUA_TRUSTED_PROXIES`: reading it from
the right, each trusted hop is skipped and the first address that is not a trusted proxy
is the client. From anyone else the header is ignored, or a client could name a new
address on every request and never meet a limit. (`mutua serve` runs uvicorn with its own
forwarded-header handling off, so this is the one place that reads the header.)

Limits count an IPv6 client by its /64: one subscriber usually holds a whole /64 and can
pick any address in it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from litestar import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """The proxies whose `X-Forwarded-For` is believed."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(entry, strict=False) for entry in entries
        )

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The client's address, given the peer that connected and its forwarded chain."""
        if not forwarded_for or not self.trusts(peer):
            return peer
        hops = [hop.strip() for hop in forwarded_for.split(",")]
        for hop in reversed(hops):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                return peer  # a mangled chain: believe only the proxy that sent it
            if not self.trusts(hop):
                return hop
        return hops[0]


def limit_key(address: str) -> str:
    """The text a per-address limit counts under: the address, or an IPv6 address's /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_of(request: Request[Any, Any, Any]) -> str:
    """The limit key of the client that sent `request` (see `TrustedProxies`)."""
    peer = request.client.host if request.client else "unknown"
    proxies: TrustedProxies = request.app.state.trusted_proxies
    return limit_key(proxies.client(peer, request.headers.get("x-forwarded-for")))
