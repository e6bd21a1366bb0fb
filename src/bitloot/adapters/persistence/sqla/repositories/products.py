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
from bitloot.domain.redemption import Redemption


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

    async def save(self, product: Product) -> None:
        changes = {name: value for name, value in _values(product).items() if name in _EDITABLE}
        await self._execute(update(PRODUCTS).where(PRODUCTS.c.id == product.id).values(changes))

    async def low_stock(self) -> Sequence[Product]:
        query = (
            select(PRODUCTS)
            .where(
                PRODUCTS.c.supplier == SupplierKind.STOCK.value,
                PRODUCTS.c.listed.is_(True),
                _free_units() <= PRODUCTS.c.low_stock_threshold,
            )
            .order_by(PRODUCTS.c.sku)
        )
        return await self._load(query)

    async def _load(self, query: Select[Any]) -> builtins.list[Product]:
        """Products with the free units of own stock counted in the same query."""
        rows = (
            (await self._execute(query.add_columns(_free_units().label("stock_available")))).mappings().all()
        )
        return [
            _from_row(row, row["stock_available"] if row["supplier"] == "stock" else None) for row in rows
        ]


def _free_units() -> Any:
    """The count of a product's units neither allocated nor withdrawn (a correlated subquery)."""
    return (
        select(func.count())
        .where(
            STOCK_KEYS.c.product_id == PRODUCTS.c.id,
            STOCK_KEYS.c.item_id.is_(None),
            STOCK_KEYS.c.withdrawn_at.is_(None),
        )
        .scalar_subquery()
    )


def _from_row(row: RowMapping, available: int | None = None) -> Product:
    supplier = SupplierKind(row["supplier"])
    platform = row["redemption_platform"]
    return Product(
        id=row["id"],
        sku=row["sku"],
        name=row["name"],
        price=Money(exact(row["price"]), row["currency"]),
        supplier=supplier,
        supplier_product_id=row["supplier_product_id"],
        available=row["supplier_available"] if available is None else available,
        listed=bool(row["listed"]),
        low_stock_threshold=row["low_stock_threshold"],
        redemption=None
        if platform is None
        else Redemption(platform, row["redemption_steps"] or "", row["redemption_url"]),
    )


def _values(product: Product) -> dict[str, Any]:
    redemption = product.redemption
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "price": product.price.amount,
        "currency": product.price.currency,
        "supplier": product.supplier.value,
        "supplier_product_id": product.supplier_product_id,
        "supplier_available": product.available if product.supplier is not SupplierKind.STOCK else 0,
        "listed": product.listed,
        "low_stock_threshold": product.low_stock_threshold,
        "redemption_platform": redemption.platform if redemption else None,
        "redemption_steps": redemption.steps if redemption else None,
        "redemption_url": redemption.activation_url if redemption else None,
    }


# What `save` writes: what the operator may change (docs/http-api.md, PATCH /admin/products/{id}).
_EDITABLE = frozenset(
    {
        "name",
        "price",
        "currency",
        "listed",
        "low_stock_threshold",
        "redemption_platform",
        "redemption_steps",
        "redemption_url",
    }
)
