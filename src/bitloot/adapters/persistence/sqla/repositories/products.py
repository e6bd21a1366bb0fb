"""Products (the `ProductRepository` port), and how a row maps to a `Product`."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, Select, func, insert, or_, select, update

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.base import exact
from bitloot.adapters.persistence.sqla.tables.catalog import PRODUCTS, STOCK_KEYS
from bitloot.domain.money import Money
from bitloot.domain.product import Product, SupplierKind


class SqlaProductRepository(SqlRepository):
    async def add(self, product: Product) -> None:
        await self._execute(insert(PRODUCTS).values(_values(product)))

    async def get(self, product_id: str) -> Product | None:
        found = await self._load(select(PRODUCTS).where(PRODUCTS.c.id == product_id))
        return found[0] if found else None

    async def get_by_sku(self, sku: str) -> Product | None:
        found = await self._load(select(PRODUCTS).where(PRODUCTS.c.sku == sku))
        return found[0] if found else None

    async def list(self) -> Sequence[Product]:
        return await self._load(select(PRODUCTS).order_by(PRODUCTS.c.sku))

    async def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        found = await self._load(select(PRODUCTS).where(PRODUCTS.c.id.in_(list(product_ids))))
        return {product.id: product for product in found}

    async def set_supplier_availability(
        self, supplier_product_id: str, quantity: int, updated_at: datetime
    ) -> int:
        statement = (
            update(PRODUCTS)
            .where(
                PRODUCTS.c.supplier == SupplierKind.KINGUIN.value,
                PRODUCTS.c.supplier_product_id == supplier_product_id,
                or_(PRODUCTS.c.supplier_updated_at.is_(None), PRODUCTS.c.supplier_updated_at < updated_at),
            )
            .values(supplier_available=max(quantity, 0), supplier_updated_at=updated_at)
        )
        result = await self._execute(statement)
        return int(result.rowcount)

    async def _load(self, query: Select[Any]) -> builtins.list[Product]:
        """Products with the free units of own stock counted in the same query."""
        free = (
            select(func.count())
            .where(STOCK_KEYS.c.product_id == PRODUCTS.c.id, STOCK_KEYS.c.item_id.is_(None))
            .scalar_subquery()
            .label("stock_available")
        )
        rows = (await self._execute(query.add_columns(free))).mappings().all()
        return [
            _from_row(row, row["stock_available"] if row["supplier"] == "stock" else None) for row in rows
        ]


def _from_row(row: RowMapping, available: int | None = None) -> Product:
    supplier = SupplierKind(row["supplier"])
    return Product(
        id=row["id"],
        sku=row["sku"],
        name=row["name"],
        price=Money(exact(row["price"]), row["currency"]),
        supplier=supplier,
        supplier_product_id=row["supplier_product_id"],
        available=row["supplier_available"] if available is None else available,
    )


def _values(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "price": product.price.amount,
        "currency": product.price.currency,
        "supplier": product.supplier.value,
        "supplier_product_id": product.supplier_product_id,
        "supplier_available": product.available if product.supplier is not SupplierKind.STOCK else 0,
    }
