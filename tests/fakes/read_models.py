"""Read models over the committed state of a `MemoryDatabase`."""

from bitloot.application.ports.read_models import ItemProgress, OrderProgress
from tests.fakes.state import MemoryDatabase


class MemoryOrderProgressReader:
    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database

    async def progress(self, order_id: str) -> OrderProgress | None:
        order = self._database.orders.get(order_id)
        if order is None:
            return None
        return OrderProgress(
            order_id=order.id,
            status=order.status,
            access_token_hash=order.access_token_hash,
            fulfilled_at=order.fulfilled_at,
            updated_at=order.updated_at,
            items=tuple(
                ItemProgress(item.id, item.product_id, item.quantity, item.fulfilled_at)
                for item in order.items
            ),
        )
