"""What the operator's overview counts (docs/console.md): grouped reads, a handful of statements."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bitloot.domain.order_status import OrderStatus


@dataclass(frozen=True, slots=True)
class OrderMark:
    """An order and the moment it is listed by (paid at, last changed at)."""

    order_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Backlog:
    count: int
    # When the oldest waiting entry was written or last touched; None when nothing waits.
    oldest_at: datetime | None


@dataclass(frozen=True, slots=True)
class EmailBacklog:
    pending: int
    oldest_pending_at: datetime | None
    failed: int


@dataclass(frozen=True, slots=True)
class RequestState:
    """An order's fulfilment request (one per order): `pending`, `dispatched` or `done`, and when
    it last changed."""

    state: str
    updated_at: datetime


class OperationsOverview(Protocol):
    async def created_per_status(self, since: datetime) -> Mapping[OrderStatus, int]:
        """Orders created at or after `since`, counted by their current status (absent: none)."""
        ...

    async def count_in(self, statuses: Collection[OrderStatus]) -> Mapping[OrderStatus, int]:
        """All orders now in each of `statuses`, whenever created."""
        ...

    async def paid_unfulfilled(self, paid_before: datetime, limit: int) -> tuple[int, Sequence[OrderMark]]:
        """Orders `paid` or `fulfilling` that were paid strictly before `paid_before` (paid at: the
        first applied `finished` payment record, else the order's creation): how many, and the
        oldest `limit` of them, oldest first."""
        ...

    async def latest_in(self, status: OrderStatus, limit: int) -> Sequence[OrderMark]:
        """The orders in `status` changed most recently (by `updated_at`, then id), newest first."""
        ...

    async def fulfillment_backlog(self) -> Backlog:
        """Fulfilment requests not done, and the oldest `updated_at` among them."""
        ...

    async def email_backlog(self) -> EmailBacklog:
        """Pending emails (and the oldest one's creation) and failed ones."""
        ...

    async def request_of(self, order_id: str) -> RequestState | None:
        """The order's fulfilment request; None when it never had one."""
        ...
