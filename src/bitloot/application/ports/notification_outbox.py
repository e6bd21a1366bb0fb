"""The notification outbox repository: emails owed to customers, claimed by one sender at a time."""

from datetime import datetime
from typing import Protocol

from bitloot.domain.notification import Notification


class NotificationOutbox(Protocol):
    """Reads and staged writes inside the current unit of work, like every repository."""

    async def add(self, notification: Notification) -> bool:
        """Stage a notification; False (and nothing written) when its order already has one."""
        ...

    async def get_for_order(self, order_id: str) -> Notification | None: ...

    async def due(self, now: datetime, limit: int) -> list[Notification]:
        """Pending notifications with `next_attempt_at <= now`, the longest due first."""
        ...

    async def claim(self, notification_id: str, seen_next_attempt_at: datetime, until: datetime) -> bool:
        """Take a pending notification until `until` (its new `next_attempt_at`), if it is still as it
        was read (`next_attempt_at == seen_next_attempt_at`).

        Of two units claiming the same notification read at the same value, one wins: the other gets
        False here, or `ConcurrencyConflict` at commit. Commit right after claiming."""
        ...

    async def mark_sent(self, notification_id: str, now: datetime) -> None:
        """Count the attempt and close the notification; a notification already sent stays as it is."""
        ...

    async def mark_failed(
        self, notification_id: str, error: str, next_attempt_at: datetime, now: datetime
    ) -> None:
        """Count the failed attempt, keep `error` (short, no secrets) and wait until `next_attempt_at`;
        a notification already sent stays as it is."""
        ...

    async def give_up(self, notification_id: str, error: str, now: datetime) -> None:
        """Count the failed attempt, keep `error` (short, no secrets) and close the notification as
        `failed`: it is never due again. A notification already sent (or given up) stays as it is."""
        ...
