"""Per-client rate limits of the customer endpoints (reveal, delivery link, order placement), checked
before the use case runs: a refused request is neither audited nor counted as a reveal.

Counter keys hold a hash of the client's address, never an access token or a link token."""

import hashlib
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException

from bitloot.application.ports.rate_limit import RateLimiter
from bitloot.entrypoints.config.tuning import RateLimits
from bitloot.entrypoints.http.client_address import ClientAddresses


class RateLimited(TooManyRequestsException):
    """429 with `Retry-After`, answered as problem details (the per-order limits' `TooManyRequests`
    is answered the same way)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            detail="Too many requests; try again later.", headers={"Retry-After": str(retry_after)}
        )
        self.retry_after = retry_after


def _key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode('utf-8')).hexdigest()[:32]}"


@dataclass(frozen=True, slots=True)
class RateGuard:
    """The per-client limits, checked before the use case runs. The per-order limits are the use
    cases' own (`OrderLimits`), counted only once the credential is proven."""

    limiter: RateLimiter
    limits: RateLimits
    addresses: ClientAddresses = field(default_factory=ClientAddresses)

    async def _check(self, kind: str, request: Request[Any, Any, Any], limit: int) -> None:
        """Counts the request against the client's limit; raises `RateLimited` when it is over."""
        window = self.limits.window_seconds
        decision = await self.limiter.hit(_key(kind, self.addresses.of(request)), limit, window)
        if not decision.allowed:
            raise RateLimited(decision.retry_after_seconds)

    async def reveal(self, request: Request[Any, Any, Any]) -> None:
        await self._check("reveal-ip", request, self.limits.reveal_per_ip)

    async def report_key(self, request: Request[Any, Any, Any]) -> None:
        """A key report counts against a budget of its own, as large as the reveal's."""
        await self._check("report-ip", request, self.limits.reveal_per_ip)

    async def delivery_link(self, request: Request[Any, Any, Any]) -> None:
        await self._check("link-ip", request, self.limits.link_per_ip)

    async def place_order(self, request: Request[Any, Any, Any]) -> None:
        await self._check("order-ip", request, self.limits.order_per_ip)

    async def order_page(self, request: Request[Any, Any, Any]) -> None:
        """The order page, its live updates and its form, under one budget."""
        await self._check("order-page-ip", request, self.limits.order_page_per_ip)

    async def lookup(self, request: Request[Any, Any, Any]) -> None:
        await self._check("lookup-ip", request, self.limits.lookup_per_ip)
