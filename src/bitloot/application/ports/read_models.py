"""Read models: what customers ask for most often, read in one go outside any unit of work."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bitloot.domain.order_status import OrderStatus


@dataclass(frozen=True, slots=True)
class ItemProgress:
    item_id: str
    product_id: str
    quantity: int
    fulfilled_at: datetime | None


@dataclass(frozen=True, slots=True)
class OrderProgress:
    order_id: str
    status: OrderStatus
    access_token_hash: str = field(repr=False)
    fulfilled_at: datetime | None
    updated_at: datetime
    items: tuple[ItemProgress, ...]


class OrderProgressReader(Protocol):
    async def progress(self, order_id: str) -> OrderProgress | None:
        """The order's state and its items (in order) as of one moment, in a single read that leaves
        no transaction open. None for an unknown order and for an id no order can have."""
        ...
