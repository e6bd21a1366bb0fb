"""The notification outbox on SQL.

A claim is a conditional UPDATE: it moves `next_attempt_at` to the end of the lease only where the row
still holds the value the sender read. On PostgreSQL a second claimer's UPDATE waits for the first
transaction's row lock and then finds the value changed (no row updated); on SQLite transactions take
the write lock when they begin, so the second claim runs after the first committed and finds the same.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, Select, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bitloot.adapters.persistence.sqla.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables_notifications import NOTIFICATION_OUTBOX
from bitloot.domain.notification import Notification, NotificationKind, NotificationStatus

_ROW = NOTIFICATION_OUTBOX
_PENDING = NotificationStatus.PENDING.value
_SENT = NotificationStatus.SENT.value
_FAILED = NotificationStatus.FAILED.value


class SqlaNotificationOutbox(SqlRepository):
    async def add(self, notification: Notification) -> bool:
        insert = (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(_ROW)
        statement = insert.values(_values(notification)).on_conflict_do_nothing(index_elements=["order_id"])
        result = await self._execute(statement)
        return bool(result.rowcount == 1)

    async def get_for_order(self, order_id: str) -> Notification | None:
        found = await self._load(select(_ROW).where(_ROW.c.order_id == order_id))
        return found[0] if found else None

    async def due(self, now: datetime, limit: int) -> list[Notification]:
        query = (
            select(_ROW)
            .where(_ROW.c.status == _PENDING, _ROW.c.next_attempt_at <= now)
            .order_by(_ROW.c.next_attempt_at, _ROW.c.id)
            .limit(limit)
        )
        return await self._load(query)

    async def claim(self, notification_id: str, seen_next_attempt_at: datetime, until: datetime) -> bool:
        result = await self._execute(
            update(_ROW)
            .where(
                _ROW.c.id == notification_id,
                _ROW.c.status == _PENDING,
                _ROW.c.next_attempt_at == seen_next_attempt_at,
            )
            .values(next_attempt_at=until)
        )
        return bool(result.rowcount == 1)

    async def mark_sent(self, notification_id: str, now: datetime) -> None:
        await self._execute(
            update(_ROW)
            .where(_ROW.c.id == notification_id, _ROW.c.status == _PENDING)
            .values(status=_SENT, attempts=_ROW.c.attempts + 1, updated_at=now)
        )

    async def mark_failed(
        self, notification_id: str, error: str, next_attempt_at: datetime, now: datetime
    ) -> None:
        await self._execute(
            update(_ROW)
            .where(_ROW.c.id == notification_id, _ROW.c.status == _PENDING)
            .values(
                attempts=_ROW.c.attempts + 1,
                last_error=error,
                next_attempt_at=next_attempt_at,
                updated_at=now,
            )
        )

    async def give_up(self, notification_id: str, error: str, now: datetime) -> None:
        await self._execute(
            update(_ROW)
            .where(_ROW.c.id == notification_id, _ROW.c.status == _PENDING)
            .values(status=_FAILED, attempts=_ROW.c.attempts + 1, last_error=error, updated_at=now)
        )

    async def _load(self, query: Select[Any]) -> list[Notification]:
        return [_from_row(row) for row in (await self._execute(query)).mappings()]


def _values(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.id,
        "order_id": notification.order_id,
        "kind": notification.kind.value,
        "email": notification.email,
        "status": notification.status.value,
        "attempts": notification.attempts,
        "next_attempt_at": notification.next_attempt_at,
        "last_error": notification.last_error,
        "created_at": notification.created_at,
        "updated_at": notification.updated_at,
    }


def _from_row(row: RowMapping) -> Notification:
    return Notification(
        id=row["id"],
        order_id=row["order_id"],
        kind=NotificationKind(row["kind"]),
        email=row["email"],
        status=NotificationStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
