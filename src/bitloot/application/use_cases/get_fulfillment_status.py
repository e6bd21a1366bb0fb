"""A customer asks how far their order is: the most frequent request, so one read, no transaction."""

from dataclasses import dataclass
from datetime import datetime

from bitloot.application.access import may_see
from bitloot.application.errors import NotFound
from bitloot.application.log_context import note_order
from bitloot.application.ports.read_models import OrderProgressReader
from bitloot.domain.order_status import FulfillmentStatus, OrderStatus, customer_status


@dataclass(frozen=True, slots=True)
class ItemStatus:
    item_id: str
    product_id: str
    quantity: int
    status: FulfillmentStatus
    fulfilled_at: datetime | None


@dataclass(frozen=True, slots=True)
class FulfillmentStatusView:
    order_id: str
    status: FulfillmentStatus
    order_status: OrderStatus
    items_total: int
    items_fulfilled: int
    items: list[ItemStatus]
    fulfilled_at: datetime | None
    updated_at: datetime


class GetFulfillmentStatus:
    def __init__(self, reader: OrderProgressReader) -> None:
        self._reader = reader

    async def execute(self, order_id: str, access_token: str) -> FulfillmentStatusView:
        """`NotFound` alike for an unknown order and a wrong token."""
        progress = await self._reader.progress(order_id)
        if not may_see(access_token, progress.access_token_hash if progress else None) or progress is None:
            raise NotFound  # alike for an unknown order and a wrong token
        note_order(order_id)
        status = customer_status(progress.status)
        items = [
            ItemStatus(
                item_id=item.item_id,
                product_id=item.product_id,
                quantity=item.quantity,
                status=FulfillmentStatus.FULFILLED if item.fulfilled_at is not None else status,
                fulfilled_at=item.fulfilled_at,
            )
            for item in progress.items
        ]
        return FulfillmentStatusView(
            order_id=progress.order_id,
            status=status,
            order_status=progress.status,
            items_total=len(items),
            items_fulfilled=sum(1 for item in progress.items if item.fulfilled_at is not None),
            items=items,
            fulfilled_at=progress.fulfilled_at,
            updated_at=progress.updated_at,
        )
