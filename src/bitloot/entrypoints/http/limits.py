"""Rate limits of the customer endpoints (reveal, delivery link, order placement), checked before the
use case runs: a refused request is neither audited nor counted as a reveal.

Counters are per client address and, where there is one, per order; their keys hold a hash of the
order id or address, never an access token or a link token."""

import hashlib
from dataclasses import dataclass, field
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.openapi import ResponseSpec

from bitloot.application.errors import InvalidDeliveryLink
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.links import DeliveryLinkSigner
from bitloot.application.ports.rate_limit import RateLimiter
from bitloot.entrypoints.http.client_address import ClientAddresses
from bitloot.entrypoints.settings import Tuning


class RateLimitedProblem(msgspec.Struct):
    """The body of a 429: RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None


# For the OpenAPI document of the limited operations.
RATE_LIMITED_RESPONSES = {
    429: ResponseSpec(
        data_container=RateLimitedProblem,
        description="Too many requests; retry after `Retry-After` seconds",
        media_type="application/problem+json",
    )
}


class RateLimited(TooManyRequestsException):
    """429 with `Retry-After`, answered as problem details."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            detail="Too many requests; try again later.", headers={"Retry-After": str(retry_after)}
        )
        self.retry_after = retry_after


def _key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode('utf-8')).hexdigest()[:32]}"


@dataclass(frozen=True, slots=True)
class RateGuard:
    limiter: RateLimiter
    tuning: Tuning
    links: DeliveryLinkSigner
    clock: Clock
    addresses: ClientAddresses = field(default_factory=ClientAddresses)

    async def _check(self, *rules: tuple[str, str, int]) -> None:
        """Counts the request under every rule; raises `RateLimited` when any is over its limit."""
        window = self.tuning.rate_limit_window_seconds
        waits = [
            decision.retry_after_seconds
            for kind, value, limit in rules
            if not (decision := await self.limiter.hit(_key(kind, value), limit, window)).allowed
        ]
        if waits:
            raise RateLimited(max(waits))

    async def reveal(self, request: Request[Any, Any, Any], order_id: str | None) -> None:
        rules = [("reveal-ip", self.addresses.of(request), self.tuning.reveal_limit_per_ip)]
        if order_id is not None:
            rules.append(("reveal-order", order_id, self.tuning.reveal_limit_per_order))
        await self._check(*rules)

    async def reveal_by_link(self, request: Request[Any, Any, Any], token: str) -> None:
        try:
            order_id: str | None = self.links.resolve(token, self.clock.now())
        except InvalidDeliveryLink:
            order_id = None  # the use case refuses it; the address still counts
        await self.reveal(request, order_id)

    async def delivery_link(self, request: Request[Any, Any, Any], order_id: str) -> None:
        await self._check(
            ("link-ip", self.addresses.of(request), self.tuning.link_limit_per_ip),
            ("link-order", order_id, self.tuning.link_limit_per_order),
        )

    async def place_order(self, request: Request[Any, Any, Any]) -> None:
        await self._check(("order-ip", self.addresses.of(request), self.tuning.order_limit_per_ip))
