"""The operator's order search (docs/console.md): one page of order summaries, newest first."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bitloot.domain.money import Money
from bitloot.domain.order_status import OrderStatus


@dataclass(frozen=True, slots=True)
class OrderCriteria:
    """`text` matches an order id (exact), a customer email (exact, ignoring case) or a payment id:
    the order's `payment_reference` (the invoice id) or the provider payment id of one of its
    payment records. `statuses` empty means any; `created_from` is inclusive, `created_to` exclusive."""

    text: str | None = None
    statuses: frozenset[OrderStatus] = field(default_factory=frozenset)
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderCursor:
    """Where a page ends: the (created_at, id) of its last order, newest first."""

    created_at: datetime
    id: str


@dataclass(frozen=True, slots=True)
class OrderSummary:
    id: str
    email: str
    status: OrderStatus
    total: Money
    # Lines in the order, and units over all lines.
    item_count: int
    unit_count: int
    created_at: datetime
    updated_at: datetime
    payment_reference: str | None
    failure_reason: str | None


class OrderSearch(Protocol):
    async def search(
        self, criteria: OrderCriteria, limit: int, after: OrderCursor | None = None
    ) -> Sequence[OrderSummary]:
        """Orders matching every criterion, newest first (by `created_at`, then id), strictly after
        `after` in that order, at most `limit`. A constant number of statements whatever `limit`:
        one for the orders, one for their items. `SearchOrders` refuses text no order could match (too
        long, control characters) before asking."""
        ...
