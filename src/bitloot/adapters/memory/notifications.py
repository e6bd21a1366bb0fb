"""The in-memory notification outbox, with the claim semantics of the SQL one.

A claim is staged with the `next_attempt_at` it was read at; `commit()` refuses it
(`ConcurrencyConflict`) when another unit changed the notification meanwhile, as PostgreSQL's
conditional UPDATE finds no row once the first claim committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from bitloot.adapters.memory.database import MemoryDatabase
from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.notification import Notification, NotificationStatus

if TYPE_CHECKING:
    from bitloot.adapters.memory.unit_of_work import InMemoryUnitOfWork


class MemoryNotificationOutbox:
    def __init__(self, db: MemoryDatabase, uow: InMemoryUnitOfWork) -> None:
        self._db = db
        self._uow = uow

    async def add(self, notification: Notification) -> bool:
        if any(n.order_id == notification.order_id or n.id == notification.id for n in self._all()):
            return False
        self._uow.staged.notifications[notification.id] = notification
        return True

    async def get_for_order(self, order_id: str) -> Notification | None:
        return next((n for n in self._all() if n.order_id == order_id), None)

    async def due(self, now: datetime, limit: int) -> list[Notification]:
        due = sorted((n for n in self._all() if n.is_due(now)), key=lambda n: (n.next_attempt_at, n.id))
        return due[: max(limit, 0)]

    async def claim(self, notification_id: str, seen_next_attempt_at: datetime, until: datetime) -> bool:
        current = self._get(notification_id)
        if (
            current is None
            or current.status is not NotificationStatus.PENDING
            or current.next_attempt_at != seen_next_attempt_at
        ):
            return False
        if notification_id in self._db.notifications:
            self._uow.staged.notification_claims.setdefault(notification_id, seen_next_attempt_at)
        self._uow.staged.notifications[notification_id] = replace(current, next_attempt_at=until)
        return True

    async def mark_sent(self, notification_id: str, now: datetime) -> None:
        current = self._get(notification_id)
        if current is not None and current.status is NotificationStatus.PENDING:
            self._uow.staged.notifications[notification_id] = replace(
                current, status=NotificationStatus.SENT, attempts=current.attempts + 1, updated_at=now
            )

    async def mark_failed(
        self, notification_id: str, error: str, next_attempt_at: datetime, now: datetime
    ) -> None:
        current = self._get(notification_id)
        if current is not None and current.status is NotificationStatus.PENDING:
            self._uow.staged.notifications[notification_id] = replace(
                current,
                attempts=current.attempts + 1,
                last_error=error,
                next_attempt_at=next_attempt_at,
                updated_at=now,
            )

    async def give_up(self, notification_id: str, error: str, now: datetime) -> None:
        current = self._get(notification_id)
        if current is not None and current.status is NotificationStatus.PENDING:
            self._uow.staged.notifications[notification_id] = replace(
                current,
                status=NotificationStatus.FAILED,
                attempts=current.attempts + 1,
                last_error=error,
                updated_at=now,
            )

    def _get(self, notification_id: str) -> Notification | None:
        return self._uow.staged.notifications.get(notification_id) or self._db.notifications.get(
            notification_id
        )

    def _all(self) -> list[Notification]:
        return list({**self._db.notifications, **self._uow.staged.notifications}.values())


def check_notifications(db: MemoryDatabase, claims: Mapping[str, datetime]) -> None:
    """Refuse a commit whose claim another unit overtook: the notification changed since it was read."""
    for notification_id, seen in claims.items():
        current = db.notifications.get(notification_id)
        if current is None or current.status is not NotificationStatus.PENDING:
            raise ConcurrencyConflict
        if current.next_attempt_at != seen:
            raise ConcurrencyConflict


def apply_notifications(db: MemoryDatabase, staged: Mapping[str, Notification]) -> None:
    """Apply staged notifications; a new one for an order that got one meanwhile is dropped, as the SQL
    insert does nothing on that conflict."""
    for notification in staged.values():
        if notification.id not in db.notifications and any(
            n.order_id == notification.order_id for n in db.notifications.values()
        ):
            continue
        db.notifications[notification.id] = notification
