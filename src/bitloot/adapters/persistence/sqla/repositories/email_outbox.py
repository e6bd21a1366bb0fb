"""The email outbox (the `EmailOutbox` port), and how a row maps to a `DeliveryEmail`.

A claim is a conditional UPDATE: it moves `next_attempt_at` to the end of the lease only where the row
still holds the value the sender read. On PostgreSQL a second claimer's UPDATE waits for the first
transaction's row lock and then finds the value changed (no row updated); on SQLite transactions take
the write lock when they begin, so the second claim runs after the first committed and finds the same.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, bindparam, select, update

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository, skipping_conflicts
from bitloot.adapters.persistence.sqla.tables.email_outbox import EMAIL_OUTBOX
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind, DeliveryEmailStatus

_PENDING = DeliveryEmailStatus.PENDING.value
_SENT = DeliveryEmailStatus.SENT.value
_FAILED = DeliveryEmailStatus.FAILED.value
# Built once (each fulfilled order's statements): see orders.py.
_ADD_MANY = skipping_conflicts(EMAIL_OUTBOX, EMAIL_OUTBOX.c.id)
_MARK_SENT = (
    update(EMAIL_OUTBOX)
    .where(EMAIL_OUTBOX.c.id == bindparam("sent_id"), EMAIL_OUTBOX.c.status == _PENDING)
    .values(status=_SENT, attempts=EMAIL_OUTBOX.c.attempts + 1, updated_at=bindparam("sent_at"))
)


def due_emails(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """What makes an email due at `now` (`due`); the reconciler's agenda asks whether any is
    (`reconciler_agenda.py`)."""
    return (EMAIL_OUTBOX.c.status == _PENDING, EMAIL_OUTBOX.c.next_attempt_at <= now)


class SqlaEmailOutbox(SqlRepository):
    async def add(self, email: DeliveryEmail) -> bool:
        statement = self._insert(EMAIL_OUTBOX).values(_values(email)).on_conflict_do_nothing()
        result = await self._execute(statement)
        return bool(result.rowcount == 1)

    async def add_many(self, emails: Sequence[DeliveryEmail]) -> set[str]:
        """One INSERT ... ON CONFLICT DO NOTHING RETURNING: a row that conflicts, with a stored one or
        one before it in the same statement, is skipped and not returned."""
        if not emails:
            return set()
        rows = [_values(email) for email in emails]
        return set((await self._execute(_ADD_MANY[self._dialect], rows)).scalars())

    async def list_for_order(self, order_id: str) -> list[DeliveryEmail]:
        return await self._load(
            select(EMAIL_OUTBOX)
            .where(EMAIL_OUTBOX.c.order_id == order_id)
            .order_by(EMAIL_OUTBOX.c.created_at, EMAIL_OUTBOX.c.id)
        )

    async def due(self, now: datetime, limit: int) -> list[DeliveryEmail]:
        query = (
            select(EMAIL_OUTBOX)
            .where(*due_emails(now))
            .order_by(EMAIL_OUTBOX.c.next_attempt_at, EMAIL_OUTBOX.c.id)
            .limit(limit)
        )
        return await self._load(query)

    async def claim(self, email_id: str, seen_next_attempt_at: datetime, until: datetime) -> bool:
        result = await self._execute(
            update(EMAIL_OUTBOX)
            .where(
                EMAIL_OUTBOX.c.id == email_id,
                EMAIL_OUTBOX.c.status == _PENDING,
                EMAIL_OUTBOX.c.next_attempt_at == seen_next_attempt_at,
            )
            .values(next_attempt_at=until)
        )
        return bool(result.rowcount == 1)

    async def claim_due_for_orders(
        self, order_ids: Sequence[str], now: datetime, until: datetime
    ) -> list[DeliveryEmail]:
        """One conditional UPDATE ... RETURNING: a second claimer's waits for the first one's row
        locks (PostgreSQL) or write lock (SQLite), then finds the emails no longer due."""
        if not order_ids:
            return []
        result = await self._execute(
            update(EMAIL_OUTBOX)
            .where(EMAIL_OUTBOX.c.order_id.in_(list(order_ids)), *due_emails(now))
            .values(next_attempt_at=until)
            .returning(*EMAIL_OUTBOX.c)
        )
        taken = [_from_row(row) for row in result.mappings()]
        return sorted(taken, key=lambda email: (email.created_at, email.id))

    async def mark_sent(self, email_id: str, now: datetime) -> None:
        await self._execute(_MARK_SENT, {"sent_id": email_id, "sent_at": now})

    async def mark_failed(self, email_id: str, error: str, next_attempt_at: datetime, now: datetime) -> None:
        await self._execute(
            update(EMAIL_OUTBOX)
            .where(EMAIL_OUTBOX.c.id == email_id, EMAIL_OUTBOX.c.status == _PENDING)
            .values(
                attempts=EMAIL_OUTBOX.c.attempts + 1,
                last_error=error,
                next_attempt_at=next_attempt_at,
                updated_at=now,
            )
        )

    async def give_up(self, email_id: str, error: str, now: datetime) -> None:
        await self._execute(
            update(EMAIL_OUTBOX)
            .where(EMAIL_OUTBOX.c.id == email_id, EMAIL_OUTBOX.c.status == _PENDING)
            .values(status=_FAILED, attempts=EMAIL_OUTBOX.c.attempts + 1, last_error=error, updated_at=now)
        )

    async def _load(self, query: Select[Any]) -> list[DeliveryEmail]:
        return [_from_row(row) for row in (await self._execute(query)).mappings()]


def _values(email: DeliveryEmail) -> dict[str, Any]:
    return {
        "id": email.id,
        "order_id": email.order_id,
        "kind": email.kind.value,
        "dedupe_key": email.dedupe_key,
        "email": email.email,
        "status": email.status.value,
        "attempts": email.attempts,
        "next_attempt_at": email.next_attempt_at,
        "last_error": email.last_error,
        "created_at": email.created_at,
        "updated_at": email.updated_at,
    }


def _from_row(row: RowMapping) -> DeliveryEmail:
    return DeliveryEmail(
        id=row["id"],
        order_id=row["order_id"],
        kind=DeliveryEmailKind(row["kind"]),
        dedupe_key=row["dedupe_key"],
        email=row["email"],
        status=DeliveryEmailStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
