"""Products and own stock."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, or_, select, update

from bitloot.adapters.persistence.sqla.base import SqlRepository
from bitloot.adapters.persistence.sqla.mapping import product_from_row, product_values, stock_key_from_row
from bitloot.adapters.persistence.sqla.tables import ORDER_ITEMS, PRODUCTS, STOCK_KEYS
from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.errors import OutOfStock
from bitloot.domain.keys import StockKey
from bitloot.domain.product import Product, SupplierKind

_PRODUCT = PRODUCTS
_STOCK = STOCK_KEYS


class SqlaProductRepository(SqlRepository):
    async def add(self, product: Product) -> None:
        await self._execute(insert(_PRODUCT).values(product_values(product)))

    async def get(self, product_id: str) -> Product | None:
        found = await self._load(select(_PRODUCT).where(_PRODUCT.c.id == product_id))
        return found[0] if found else None

    async def get_by_sku(self, sku: str) -> Product | None:
        found = await self._load(select(_PRODUCT).where(_PRODUCT.c.sku == sku))
        return found[0] if found else None

    async def list(self) -> Sequence[Product]:
        return await self._load(select(_PRODUCT).order_by(_PRODUCT.c.sku))

    async def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        found = await self._load(select(_PRODUCT).where(_PRODUCT.c.id.in_(list(product_ids))))
        return {product.id: product for product in found}

    async def set_supplier_availability(
        self, supplier_product_id: str, quantity: int, updated_at: datetime
    ) -> int:
        statement = (
            update(_PRODUCT)
            .where(
                _PRODUCT.c.supplier == SupplierKind.KINGUIN.value,
                _PRODUCT.c.supplier_product_id == supplier_product_id,
                or_(_PRODUCT.c.supplier_updated_at.is_(None), _PRODUCT.c.supplier_updated_at < updated_at),
            )
            .values(supplier_available=max(quantity, 0), supplier_updated_at=updated_at)
        )
        result = await self._execute(statement)
        return int(result.rowcount)

    async def _load(self, query: Select[Any]) -> builtins.list[Product]:
        """Products with the free units of own stock counted in the same query."""
        free = (
            select(func.count())
            .where(_STOCK.c.product_id == _PRODUCT.c.id, _STOCK.c.item_id.is_(None))
            .scalar_subquery()
            .label("stock_available")
        )
        rows = (await self._execute(query.add_columns(free))).mappings().all()
        return [
            product_from_row(row, row["stock_available"] if row["supplier"] == "stock" else None)
            for row in rows
        ]


class SqlaStockRepository(SqlRepository):
    async def add_many(self, keys: Sequence[StockKey]) -> None:
        rows = [{name: getattr(key, name) for name in _STOCK.c.keys()} for key in keys]  # noqa: SIM118
        await self._execute(insert(_STOCK), rows)

    async def count_available(self, product_id: str) -> int:
        query = select(func.count()).where(_STOCK.c.product_id == product_id, _STOCK.c.item_id.is_(None))
        return int((await self._execute(query)).scalar_one())

    async def allocate(self, product_id: str, order_id: str, item_id: str, quantity: int) -> list[StockKey]:
        if self._dialect == "postgresql":
            # Two transactions allocating for the same item take turns here, so the second one sees
            # the first one's units as the item's own instead of taking more. (SQLite's BEGIN
            # IMMEDIATE already runs one writer at a time.)
            await self._execute(select(ORDER_ITEMS.c.id).where(ORDER_ITEMS.c.id == item_id).with_for_update())
        mine_query = select(_STOCK).where(_STOCK.c.item_id == item_id).order_by(_STOCK.c.id)
        mine = [stock_key_from_row(row) for row in (await self._execute(mine_query)).mappings()]
        missing = quantity - len(mine)
        if missing <= 0:
            return mine
        free_query = (
            select(_STOCK.c.id)
            .where(_STOCK.c.product_id == product_id, _STOCK.c.item_id.is_(None))
            .order_by(_STOCK.c.id)
            .limit(missing)
        )
        if self._dialect == "postgresql":
            free_query = free_query.with_for_update(skip_locked=True)
        free_ids = list((await self._execute(free_query)).scalars())
        if len(free_ids) < missing:
            raise OutOfStock
        taken = await self._execute(
            update(_STOCK)
            .where(_STOCK.c.id.in_(free_ids), _STOCK.c.item_id.is_(None))
            .values(order_id=order_id, item_id=item_id)
            .returning(*_STOCK.c)
        )
        taken_rows = [stock_key_from_row(row) for row in taken.mappings()]
        if len(taken_rows) != missing:
            raise ConcurrencyConflict
        return mine + sorted(taken_rows, key=lambda unit: unit.id)

    async def wrapped_elsewhere(self, active_version: int, after_id: str, limit: int) -> list[StockKey]:
        query = (
            select(_STOCK)
            .where(
                _STOCK.c.key_version != active_version, _STOCK.c.id > after_id, _STOCK.c.wrapped_key != b""
            )
            .order_by(_STOCK.c.id)
            .limit(limit)
        )
        return [stock_key_from_row(row) for row in (await self._execute(query)).mappings()]

    async def rewrap(self, key_id: str, old_version: int, wrapped_key: bytes, key_version: int) -> bool:
        result = await self._execute(
            update(_STOCK)
            .where(_STOCK.c.id == key_id, _STOCK.c.key_version == old_version)
            .values(wrapped_key=wrapped_key, key_version=key_version)
        )
        return bool(result.rowcount == 1)

    async def allocated(self, unit_id: str, item_id: str) -> StockKey | None:
        query = select(_STOCK).where(
            _STOCK.c.id == unit_id, _STOCK.c.item_id == item_id, _STOCK.c.wrapped_key != b""
        )
        row = (await self._execute(query)).mappings().first()
        return None if row is None else stock_key_from_row(row)

    async def erase(self, unit_id: str, item_id: str) -> bool:
        result = await self._execute(
            update(_STOCK)
            .where(_STOCK.c.id == unit_id, _STOCK.c.item_id == item_id, _STOCK.c.wrapped_key != b"")
            .values(wrapped_key=b"")
        )
        return bool(result.rowcount == 1)
