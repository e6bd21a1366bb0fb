"""Per-order limits on reveals and delivery links, counted in the shared `RateLimiter`."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from bitloot.application.errors import TooManyRequests
from bitloot.application.ports.rate_limit import OrderAction, RateLimiter


@dataclass(frozen=True, slots=True)
class CountedOrderLimits:
    limiter: RateLimiter
    # Requests per `window_seconds` for each action; an action not listed is not limited.
    limits: Mapping[OrderAction, int]
    window_seconds: int

    async def admit(self, action: OrderAction, order_id: str) -> None:
        limit = self.limits.get(action)
        if limit is None:
            return
        # The key holds a hash of the order id, never a token.
        key = f"{action.value}-order:{hashlib.sha256(order_id.encode('utf-8')).hexdigest()[:32]}"
        decision = await self.limiter.hit(key, limit, self.window_seconds)
        if not decision.allowed:
            raise TooManyRequests(decision.retry_after_seconds)
