"""Fixed-window counters in Redis, shared by every API process.

One Lua script increments the window's counter, sets its expiry on the first hit and returns the
count with the time left, atomically. Every call has a short timeout. When Redis cannot be reached
the limiter fails OPEN (the request is allowed and a warning logged): a rate limit protects against
abuse, and refusing every customer's reveal during a Redis outage would turn that outage into a
full shop outage; the reveal itself stays authenticated and audited either way.
"""

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bitloot.application.ports.rate_limit import RateDecision

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 0.5

_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class RedisRateLimiter:
    def __init__(self, url: str, prefix: str = "bitloot:ratelimit") -> None:
        self._prefix = prefix
        self._redis: Redis = Redis.from_url(
            url,
            socket_timeout=TIMEOUT_SECONDS,
            socket_connect_timeout=TIMEOUT_SECONDS,
            retry_on_timeout=False,
        )
        self._script = self._redis.register_script(_HIT)

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        try:
            count, ttl = await self._script(keys=[f"{self._prefix}:{key}"], args=[window_seconds])
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("rate limiter unavailable (%s); allowing the request", type(exc).__name__)
            return RateDecision(True)
        if int(count) <= limit:
            return RateDecision(True)
        return RateDecision(False, max(1, int(ttl)))

    async def aclose(self) -> None:
        await self._redis.aclose()
