"""Who the client is, for the per-client rate limits.

Without trusted proxies (`BITLOOT_TRUSTED_PROXIES` unset) it is the connection's peer and
`X-Forwarded-For` is ignored: anyone can write that header. Behind a load balancer, list the
balancer's addresses or networks; for a request from one of them, the client is the nearest address
in `X-Forwarded-For` that is not a trusted proxy (each proxy appends the peer it saw, so the entries
left of the last untrusted one are the client's own claims and count for nothing)."""

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Request

from bitloot.entrypoints.config.networks import Network


@dataclass(frozen=True, slots=True)
class ClientAddresses:
    trusted_proxies: tuple[Network, ...] = ()

    def resolve(self, peer: str, forwarded_for: Sequence[str]) -> str:
        """The client's address, from the peer and every `X-Forwarded-For` header in order."""
        if not self.trusts(peer):
            return peer
        hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer

    def of(self, request: Request[Any, Any, Any]) -> str:
        peer = request.client.host if request.client else "unknown"
        return self.resolve(peer, request.headers.getall("x-forwarded-for", []))

    def trusts(self, address: str) -> bool:
        """Whether `address` is one of the trusted proxies (whose `X-Request-ID` is kept too)."""
        if not self.trusted_proxies:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted_proxies)
