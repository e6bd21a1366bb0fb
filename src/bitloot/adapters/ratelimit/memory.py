"""Fixed-window counters in this process's memory, for the embedded single-process mode."""

import asyncio
import math
import time
from collections.abc import Callable

from bitloot.application.ports.rate_limit import RateDecision

# Expired windows are swept once this many keys are held, so memory stays bounded.
SWEEP_AT = 10_000


class MemoryRateLimiter:
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window end, count)
        self._lock = asyncio.Lock()

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        async with self._lock:
            now = self._now()
            if len(self._windows) >= SWEEP_AT:
                self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
            ends, count = self._windows.get(key, (0.0, 0))
            if ends <= now:
                ends, count = now + window_seconds, 0
            count += 1
            self._windows[key] = (ends, count)
            if count <= limit:
                return RateDecision(True)
            return RateDecision(False, max(1, math.ceil(ends - now)))
