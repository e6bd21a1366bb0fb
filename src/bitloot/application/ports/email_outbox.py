"""The email outbox repository: emails owed to customers, claimed by one sender at a time."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bitloot.domain.delivery_email import DeliveryEmail


class EmailOutbox(Protocol):
    """Reads and staged writes inside the current unit of work, like every repository."""

    async def add(self, email: DeliveryEmail) -> bool:
        """Stage an email; False (and nothing written) when one with its dedupe key (or id) exists."""
        ...

    async def add_many(self, emails: Sequence[DeliveryEmail]) -> set[str]:
        """Stage these emails in one statement: the ids of those added. One whose dedupe key (or id)
        exists, or belongs to an email before it in `emails`, is left out, and nothing written of it.
        """
        ...

    async def list_for_order(self, order_id: str) -> list[DeliveryEmail]:
        """The order's emails, oldest first (by `created_at`, then id)."""
        ...

    async def due(self, now: datetime, limit: int) -> list[DeliveryEmail]:
        """Pending emails with `next_attempt_at <= now`, the longest due first."""
        ...

    async def claim(self, email_id: str, seen_next_attempt_at: datetime, until: datetime) -> bool:
        """Take a pending email until `until` (its new `next_attempt_at`), if it is still as it
        was read (`next_attempt_at == seen_next_attempt_at`).

        Of two units claiming the same email read at the same value, one wins: the other gets
        False here, or `ConcurrencyConflict` at commit. Commit right after claiming."""
        ...

    async def claim_due_for_orders(
        self, order_ids: Sequence[str], now: datetime, until: datetime
    ) -> list[DeliveryEmail]:
        """Take every pending email of these orders due at `now` until `until`, in one statement:
        the emails taken (their `next_attempt_at` now `until`), oldest first (by `created_at`, then
        id), whatever their order.

        Of units claiming at once, each email goes to one: the others do not get it here, or get
        `ConcurrencyConflict` at commit. Commit right after claiming."""
        ...

    async def mark_sent(self, email_id: str, now: datetime) -> None:
        """Count the attempt and close the email; a email already sent stays as it is."""
        ...

    async def mark_failed(self, email_id: str, error: str, next_attempt_at: datetime, now: datetime) -> None:
        """Count the failed attempt, keep `error` (short, no secrets) and wait until `next_attempt_at`;
        a email already sent stays as it is."""
        ...

    async def give_up(self, email_id: str, error: str, now: datetime) -> None:
        """Count the failed attempt, keep `error` (short, no secrets) and close the email as
        `failed`: it is never due again. A email already sent (or given up) stays as it is."""
        ...
