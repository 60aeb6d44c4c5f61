"""Who is asking: the client address, proxy-aware, as pure functions of the ASGI scope."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TypeAlias

from schooner.exceptions import ImproperlyConfigured
from schooner.types import Scope

__all__ = ["TrustedProxies", "client_address"]

Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """The proxies (IPs or CIDR networks) whose ``X-Forwarded-For`` is believed.

    Args:
        entries: ``"10.0.0.1"``, ``"10.0.0.0/8"``, ``"::1"``…

    Raises:
        ImproperlyConfigured: an entry is not an IP address or network.
    """

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.networks: list[Network] = []
        for entry in entries:
            try:
                self.networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                raise ImproperlyConfigured(
                    f"trusted_proxies has {entry!r}, which is not an IP address or network "
                    "(write '10.0.0.1' or '10.0.0.0/8')."
                ) from None

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __contains__(self, address: object) -> bool:
        if not isinstance(address, str):
            return False
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


def client_address(scope: Scope, trusted: TrustedProxies) -> str:
    """The address to key a client by.

    The direct peer, unless it is a trusted proxy: then ``X-Forwarded-For`` is read from
    the right (each proxy appends the address it saw) and the first address that is not
    itself a trusted proxy is the client. Anything further left was written by the client
    and could be forged, so it is never used. If every hop is trusted, the left-most is.
    """
    client = scope.get("client")
    peer = str(client[0]) if client else ""
    if not trusted or peer not in trusted:
        return peer
    hops: list[str] = [
        hop.strip()
        for name, value in scope.get("headers", ())
        if name == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return hops[0] if hops else peer
