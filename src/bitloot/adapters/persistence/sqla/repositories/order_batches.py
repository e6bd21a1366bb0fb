"""Orders read by the batch (the `OrderBatchReads` port), mapped as `SqlaOrderRepository` maps them."""

from collections.abc import Sequence

from sqlalchemy import select

from bitloot.adapters.persistence.sqla.repositories.orders import SqlaOrderRepository
from bitloot.adapters.persistence.sqla.tables.orders import ORDERS
from bitloot.domain.order import Order


class SqlaOrderBatchReads(SqlaOrderRepository):
    async def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]:
        """Two statements (the orders, then all their items); none for no ids."""
        if not order_ids:
            return {}
        found = await self._load(select(ORDERS).where(ORDERS.c.id.in_(list(order_ids))))
        return {order.id: order for order in found}
