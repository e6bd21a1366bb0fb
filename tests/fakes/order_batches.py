"""Orders read by the batch, in memory: each as `MemoryOrders.get` reads it."""

from collections.abc import Sequence

from bitloot.domain.order import Order
from tests.fakes.repositories import MemoryOrders


class MemoryOrderBatchReads(MemoryOrders):
    async def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]:
        return {order_id: order for order_id in order_ids if (order := await self.get(order_id)) is not None}
