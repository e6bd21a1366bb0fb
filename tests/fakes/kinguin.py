"""In-memory Kinguin orders and supplier-reported availability, with the SQL adapters' semantics:
an item has one Kinguin order (a second `add` conflicts, now or at commit), and an availability report
not newer than the last one applied changes nothing."""

import copy
from dataclasses import replace
from datetime import datetime

from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.kinguin import KinguinOrder
from bitloot.domain.product import Product, SupplierKind
from tests.fakes.state import KinguinStaged, MemoryDatabase, StagingUnit


class MemoryKinguinOrders:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
        self._db = db
        self._uow = uow

    async def get(self, item_id: str) -> KinguinOrder | None:
        found = self._uow.staged.kinguin.orders.get(item_id) or self._db.kinguin.orders.get(item_id)
        return copy.copy(found)

    async def add(self, order: KinguinOrder) -> None:
        if order.item_id in self._db.kinguin.orders or order.item_id in self._uow.staged.kinguin.orders:
            raise ConcurrencyConflict
        self._uow.staged.kinguin.orders[order.item_id] = copy.copy(order)
        self._uow.staged.kinguin.added.add(order.item_id)

    async def save(self, order: KinguinOrder) -> None:
        if await self.get(order.item_id) is not None:
            self._uow.staged.kinguin.orders[order.item_id] = copy.copy(order)

    async def order_of_item(self, item_id: str) -> str | None:
        orders = {**self._db.orders, **self._uow.staged.orders}
        return next((o.id for o in orders.values() if o.item(item_id) is not None), None)


def stage_availability(
    db: MemoryDatabase,
    staged: KinguinStaged,
    products: list[Product],
    supplier_product_id: str,
    quantity: int,
    updated_at: datetime,
) -> int:
    changed = 0
    for product in products:
        if product.supplier is not SupplierKind.KINGUIN or product.supplier_product_id != supplier_product_id:
            continue
        last = _last_time(db, staged, product.id)
        if last is None or last < updated_at:
            staged.availability[product.id] = (max(quantity, 0), updated_at)
            changed += 1
    return changed


def with_staged_availability(staged: KinguinStaged, product: Product) -> Product:
    found = staged.availability.get(product.id)
    return replace(product) if found is None else replace(product, available=found[0])


def check_kinguin(db: MemoryDatabase, staged: KinguinStaged) -> None:
    if any(item_id in db.kinguin.orders for item_id in staged.added):
        raise ConcurrencyConflict


def apply_kinguin(db: MemoryDatabase, staged: KinguinStaged) -> None:
    """Write a checked unit's changes (after its new products are in `db.products`)."""
    db.kinguin.orders.update({item_id: copy.copy(order) for item_id, order in staged.orders.items()})
    for product_id, (quantity, at) in staged.availability.items():
        last = db.kinguin.availability_at.get(product_id)
        product = db.products.get(product_id)
        # Like the SQL UPDATE's condition, decided again when the write happens.
        if product is not None and (last is None or last < at):
            db.products[product_id] = replace(product, available=quantity)
            db.kinguin.availability_at[product_id] = at


def _last_time(db: MemoryDatabase, staged: KinguinStaged, product_id: str) -> datetime | None:
    found = staged.availability.get(product_id)
    return found[1] if found is not None else db.kinguin.availability_at.get(product_id)
