"""Counting requests against a limit, shared by every process that serves the API."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    # Seconds until the window that refused this hit ends; 0 when allowed.
    retry_after_seconds: int = 0


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        """Counts one request under `key` in the current fixed window of `window_seconds`; allowed
        while the window's count is at most `limit`. `key` never holds a secret."""
        ...


class OrderAction(StrEnum):
    REVEAL = "reveal"
    LINK = "link"
    # An email the customer asks for: a fresh delivery link, the order page link.
    EMAIL = "email"


class OrderLimits(Protocol):
    async def admit(self, action: OrderAction, order_id: str) -> None:
        """Counts one `action` on the order by a client who has proved they may take it (its access
        token or a valid delivery link); raises `TooManyRequests` over the order's limit. Called only
        after that proof, so a stranger's failed guesses never spend the owner's budget: those count
        against the client's own limits alone."""
        ...
