"""A customer asks how far their order is."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bitloot.application.access import order_for_token
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.lifecycle import FulfillmentStatus, OrderStatus


@dataclass(frozen=True, slots=True)
class ItemStatus:
    item_id: str
    product_id: str
    quantity: int
    status: FulfillmentStatus
    keys_delivered: int
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
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, order_id: str, access_token: str) -> FulfillmentStatusView:
        order = await order_for_token(self._uow, order_id, access_token)
        delivered = Counter(key.item_id for key in await self._uow.keys.list_for_order(order.id))
        items = [
            ItemStatus(
                item_id=item.id,
                product_id=item.product_id,
                quantity=item.quantity,
                status=FulfillmentStatus.FULFILLED if item.is_fulfilled else order.customer_status,
                keys_delivered=delivered[item.id],
                fulfilled_at=item.fulfilled_at,
            )
            for item in order.items
        ]
        await self._uow.rollback()
        return FulfillmentStatusView(
            order_id=order.id,
            status=order.customer_status,
            order_status=order.status,
            items_total=len(items),
            items_fulfilled=sum(1 for item in order.items if item.is_fulfilled),
            items=items,
            fulfilled_at=order.fulfilled_at,
            updated_at=order.updated_at,
        )
