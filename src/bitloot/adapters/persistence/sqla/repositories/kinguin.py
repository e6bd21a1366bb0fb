"""The Kinguin orders placed for our order items (the `KinguinOrderRepository` port), and how a row
maps to a `KinguinOrder`."""

from typing import Any

from sqlalchemy import insert, select, update

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.kinguin import KINGUIN_ORDERS
from bitloot.adapters.persistence.sqla.tables.orders import ORDER_ITEMS
from bitloot.domain.kinguin import KinguinOrder


class SqlaKinguinOrderRepository(SqlRepository):
    async def get(self, item_id: str) -> KinguinOrder | None:
        query = select(KINGUIN_ORDERS).where(KINGUIN_ORDERS.c.item_id == item_id)
        row = (await self._execute(query)).mappings().first()
        return None if row is None else _from_row(row)

    async def add(self, order: KinguinOrder) -> None:
        await self._execute(insert(KINGUIN_ORDERS).values(_values(order)))

    async def save(self, order: KinguinOrder) -> None:
        values = _values(order)
        del values["item_id"]
        await self._execute(
            update(KINGUIN_ORDERS).where(KINGUIN_ORDERS.c.item_id == order.item_id).values(values)
        )

    async def order_of_item(self, item_id: str) -> str | None:
        query = select(ORDER_ITEMS.c.order_id).where(ORDER_ITEMS.c.id == item_id)
        found: str | None = (await self._execute(query)).scalar_one_or_none()
        return found


def _values(order: KinguinOrder) -> dict[str, Any]:
    return {
        "item_id": order.item_id,
        "order_id": order.order_id,
        "kinguin_order_id": order.kinguin_order_id,
        "status": order.status,
        "updated_at": order.updated_at,
    }


def _from_row(row: Any) -> KinguinOrder:
    return KinguinOrder(
        item_id=row["item_id"],
        order_id=row["order_id"],
        kinguin_order_id=row["kinguin_order_id"],
        status=row["status"],
        updated_at=row["updated_at"],
    )
