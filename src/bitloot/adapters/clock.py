"""The real clock (tests move a `FrozenClock` of their own by hand)."""

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
