"""Kinguin: the record of the orders we placed there, and its webhook events (docs/suppliers.md)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bitloot.domain.kinguin import KinguinOrder


class KinguinOrderRepository(Protocol):
    """One Kinguin order per order item, recorded as soon as it is known to exist."""

    async def get(self, item_id: str) -> KinguinOrder | None: ...

    async def add(self, order: KinguinOrder) -> None:
        """Raises `ConcurrencyConflict` (now or at commit) when the item already has one."""
        ...

    async def save(self, order: KinguinOrder) -> None:
        """Store the status and `updated_at` of a recorded order."""
        ...

    async def order_of_item(self, item_id: str) -> str | None:
        """The id of our order that holds the item `item_id` (Kinguin's `orderExternalId`)."""
        ...


@dataclass(frozen=True, slots=True)
class OrderStatusEvent:
    """`order.status`: a Kinguin order changed status."""

    kinguin_order_id: str
    # Our order item id, sent back as Kinguin's `orderExternalId`.
    item_id: str
    status: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ProductUpdateEvent:
    """`product.update`: how many units Kinguin has of a product now."""

    kinguin_id: str
    quantity: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OtherEvent:
    """An event this service does not act on (recorded, answered, otherwise ignored)."""

    name: str


KinguinEvent = OrderStatusEvent | ProductUpdateEvent | OtherEvent


class KinguinEvents(Protocol):
    """Authenticates and reads one webhook delivery."""

    def read(self, event_name: str | None, secret: str | None, raw_body: bytes) -> KinguinEvent:
        """Raises `InvalidSignature` when the secret is missing or wrong (checked first, in constant
        time) and `MalformedNotification` when the body is not the event's JSON."""
        ...

    def read_verified(self, event_name: str | None, raw_body: bytes) -> KinguinEvent:
        """Read a delivery authenticated when it arrived (a stored one, replayed)."""
        ...
