"""Read models in one SQL statement each, outside any unit of work."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import RowMapping, bindparam, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bitloot.adapters.persistence.sqla.driver_reads import DriverRead, listened_to, reads_on_driver
from bitloot.adapters.persistence.sqla.driver_reads import is_data_exception as is_driver_data_exception
from bitloot.adapters.persistence.sqla.engine import read_only_engine
from bitloot.adapters.persistence.sqla.repositories.base import is_data_exception
from bitloot.adapters.persistence.sqla.tables.orders import ORDER_ITEMS, ORDERS
from bitloot.application.ports.read_models import ItemProgress, OrderProgress
from bitloot.domain.order_status import OrderStatus

_PROGRESS = (
    select(
        ORDERS.c.id,
        ORDERS.c.status,
        ORDERS.c.access_token_hash,
        ORDERS.c.fulfilled_at,
        ORDERS.c.updated_at,
        ORDER_ITEMS.c.id.label("item_id"),
        ORDER_ITEMS.c.product_id,
        ORDER_ITEMS.c.quantity,
        ORDER_ITEMS.c.fulfilled_at.label("item_fulfilled_at"),
    )
    .select_from(ORDERS.outerjoin(ORDER_ITEMS, ORDER_ITEMS.c.order_id == ORDERS.c.id))
    .where(ORDERS.c.id == bindparam("order_id"))
    .order_by(ORDER_ITEMS.c.position)
)


class SqlOrderProgressReader:
    """One statement on a read-only connection (`read_only_engine`): no transaction stays open. On
    PostgreSQL the statement goes to asyncpg straight (`DriverRead`), unless a tracer listens."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._raw_engine = engine
        self._engine = read_only_engine(engine)
        self._driver = DriverRead(engine, _PROGRESS) if reads_on_driver(engine) else None

    async def progress(self, order_id: str) -> OrderProgress | None:
        try:
            rows = await self._rows(order_id)
        except Exception as exc:
            # An id no order can have (PostgreSQL refuses text with NUL, say), through SQLAlchemy
            # or from asyncpg itself.
            if is_data_exception(exc) if isinstance(exc, DBAPIError) else is_driver_data_exception(exc):
                return None
            raise
        if not rows:
            return None
        first = rows[0]
        return OrderProgress(
            order_id=first["id"],
            status=OrderStatus(first["status"]),
            access_token_hash=first["access_token_hash"],
            fulfilled_at=first["fulfilled_at"],
            updated_at=first["updated_at"],
            items=tuple(
                ItemProgress(row["item_id"], row["product_id"], row["quantity"], row["item_fulfilled_at"])
                for row in rows
                if row["item_id"] is not None
            ),
        )

    async def _rows(self, order_id: str) -> Sequence[Mapping[str, Any]] | Sequence[RowMapping]:
        if self._driver is not None and not listened_to(self._raw_engine):
            return await self._driver.rows({"order_id": order_id})
        async with self._engine.connect() as connection:
            return (await connection.execute(_PROGRESS, {"order_id": order_id})).mappings().all()
