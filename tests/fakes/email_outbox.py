"""The in-memory email outbox, with the claim semantics of the SQL one.

A claim is staged with the `next_attempt_at` it was read at; `commit()` refuses it
(`ConcurrencyConflict`) when another unit changed the email meanwhile, as PostgreSQL's
conditional UPDATE finds no row once the first claim committed.
"""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailStatus
from tests.fakes.state import MemoryDatabase, StagingUnit


class MemoryEmailOutbox:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
        self._db = db
        self._uow = uow

    async def add(self, email: DeliveryEmail) -> bool:
        if any(n.dedupe_key == email.dedupe_key or n.id == email.id for n in self._all()):
            return False
        self._uow.staged.emails[email.id] = email
        return True

    async def add_many(self, emails: Sequence[DeliveryEmail]) -> set[str]:
        return {email.id for email in emails if await self.add(email)}

    async def list_for_order(self, order_id: str) -> list[DeliveryEmail]:
        return sorted((n for n in self._all() if n.order_id == order_id), key=lambda n: (n.created_at, n.id))

    async def due(self, now: datetime, limit: int) -> list[DeliveryEmail]:
        due = sorted((n for n in self._all() if n.is_due(now)), key=lambda n: (n.next_attempt_at, n.id))
        return due[: max(limit, 0)]

    async def claim(self, email_id: str, seen_next_attempt_at: datetime, until: datetime) -> bool:
        current = self._get(email_id)
        if (
            current is None
            or current.status is not DeliveryEmailStatus.PENDING
            or current.next_attempt_at != seen_next_attempt_at
        ):
            return False
        if email_id in self._db.emails:
            self._uow.staged.email_claims.setdefault(email_id, seen_next_attempt_at)
        self._uow.staged.emails[email_id] = replace(current, next_attempt_at=until)
        return True

    async def claim_due_for_orders(
        self, order_ids: Sequence[str], now: datetime, until: datetime
    ) -> list[DeliveryEmail]:
        wanted = set(order_ids)
        taken = []
        for email in sorted(self._all(), key=lambda n: (n.created_at, n.id)):
            if (
                email.order_id in wanted
                and email.is_due(now)
                and await self.claim(email.id, email.next_attempt_at, until)
            ):
                taken.append(replace(email, next_attempt_at=until))
        return taken

    async def mark_sent(self, email_id: str, now: datetime) -> None:
        current = self._get(email_id)
        if current is not None and current.status is DeliveryEmailStatus.PENDING:
            self._uow.staged.emails[email_id] = replace(
                current, status=DeliveryEmailStatus.SENT, attempts=current.attempts + 1, updated_at=now
            )

    async def mark_failed(self, email_id: str, error: str, next_attempt_at: datetime, now: datetime) -> None:
        current = self._get(email_id)
        if current is not None and current.status is DeliveryEmailStatus.PENDING:
            self._uow.staged.emails[email_id] = replace(
                current,
                attempts=current.attempts + 1,
                last_error=error,
                next_attempt_at=next_attempt_at,
                updated_at=now,
            )

    async def give_up(self, email_id: str, error: str, now: datetime) -> None:
        current = self._get(email_id)
        if current is not None and current.status is DeliveryEmailStatus.PENDING:
            self._uow.staged.emails[email_id] = replace(
                current,
                status=DeliveryEmailStatus.FAILED,
                attempts=current.attempts + 1,
                last_error=error,
                updated_at=now,
            )

    def _get(self, email_id: str) -> DeliveryEmail | None:
        return self._uow.staged.emails.get(email_id) or self._db.emails.get(email_id)

    def _all(self) -> list[DeliveryEmail]:
        return list({**self._db.emails, **self._uow.staged.emails}.values())


def check_email_claims(db: MemoryDatabase, claims: Mapping[str, datetime]) -> None:
    """Refuse a commit whose claim another unit overtook: the email changed since it was read."""
    for email_id, seen in claims.items():
        current = db.emails.get(email_id)
        if current is None or current.status is not DeliveryEmailStatus.PENDING:
            raise ConcurrencyConflict
        if current.next_attempt_at != seen:
            raise ConcurrencyConflict


def apply_emails(db: MemoryDatabase, staged: Mapping[str, DeliveryEmail]) -> None:
    """Apply staged emails; a new one whose dedupe key was taken meanwhile is dropped, as the SQL
    insert does nothing on that conflict."""
    for email in staged.values():
        if email.id not in db.emails and any(n.dedupe_key == email.dedupe_key for n in db.emails.values()):
            continue
        db.emails[email.id] = email
