"""A `RateLimiter` that counts each refused hit by the limit's name (`bitloot_rate_limited_total`)."""

from dataclasses import dataclass

from bitloot.application.ports.metrics import ShopMetrics
from bitloot.application.ports.rate_limit import RateDecision, RateLimiter


@dataclass(frozen=True, slots=True)
class CountedRateLimiter:
    inner: RateLimiter
    metrics: ShopMetrics

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        decision = await self.inner.hit(key, limit, window_seconds)
        if not decision.allowed:
            # A counter key is `name:hash` (the hash of an address, an order id or an email): only the
            # name is a label.
            self.metrics.rate_limited(key.partition(":")[0])
        return decision
