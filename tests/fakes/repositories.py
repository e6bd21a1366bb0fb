"""In-memory repositories: read committed state merged with their unit of work's staged writes."""

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.repositories import StockAllocation
from bitloot.domain.audit import RevealEvent, RevealOutcome
from bitloot.domain.errors import OutOfStock
from bitloot.domain.keys import SealedKey, StockKey
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentRecord
from bitloot.domain.product import Product, SupplierKind
from bitloot.domain.request_context import NO_REQUEST, RequestContext
from tests.fakes.kinguin import stage_availability, with_staged_availability
from tests.fakes.state import FulfillmentRequestRow, MemoryDatabase, StagingUnit
from tests.fakes.stock_views import MemoryStockViews

PENDING, DISPATCHED, DONE = "pending", "dispatched", "done"


class _Repository:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
        self._db = db
        self._uow = uow


class MemoryOrders(_Repository):
    async def add(self, order: Order) -> None:
        self._uow.staged.order_versions[order.id] = None
        order.version = 1
        self._uow.staged.orders[order.id] = copy.deepcopy(order)

    async def get(self, order_id: str) -> Order | None:
        order = self._uow.staged.orders.get(order_id) or self._db.orders.get(order_id)
        return copy.deepcopy(order)

    async def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]:
        return {order_id: order for order_id in order_ids if (order := await self.get(order_id)) is not None}

    async def access_token_hash(self, order_id: str) -> str | None:
        order = self._uow.staged.orders.get(order_id) or self._db.orders.get(order_id)
        return None if order is None else order.access_token_hash

    async def save(self, order: Order) -> None:
        staged = self._uow.staged
        staged.order_versions.setdefault(order.id, order.version)
        order.version += 1
        staged.orders[order.id] = copy.deepcopy(order)

    async def save_many(self, orders: Sequence[Order]) -> None:
        for order in orders:
            await self.save(order)

    async def renew_lease(self, order_id: str, owner: str, expires_at: datetime) -> bool:
        """Like the SQL UPDATE: the owner is checked now, and at commit the lease of the order as
        committed then is set, unless its owner changed meanwhile; no version is bumped."""
        order = self._uow.staged.orders.get(order_id) or self._db.orders.get(order_id)
        if order is None or order.status is not OrderStatus.FULFILLING or order.lease_owner != owner:
            return False
        self._uow.staged.lease_renewals[order_id] = (owner, expires_at)
        return True

    async def list(self, status: OrderStatus | None, limit: int) -> Sequence[Order]:
        merged = {**self._db.orders, **self._uow.staged.orders}
        chosen = [o for o in merged.values() if status is None or o.status is status]
        chosen.sort(key=lambda o: (o.created_at, o.id), reverse=True)
        return [copy.deepcopy(o) for o in chosen[:limit]]

    async def awaiting_payment(
        self, created_before: datetime, created_after: datetime, limit: int
    ) -> Sequence[Order]:
        merged = {**self._db.orders, **self._uow.staged.orders}
        waiting = (OrderStatus.AWAITING_PAYMENT, OrderStatus.UNDERPAID)
        chosen = [
            o
            for o in merged.values()
            if o.status in waiting
            and o.payment_reference is not None
            and created_after < o.created_at < created_before
        ]
        chosen.sort(key=lambda o: (o.created_at, o.id))
        return [copy.deepcopy(o) for o in chosen[:limit]]


class MemoryProducts(_Repository):
    async def add(self, product: Product) -> None:
        if product.id in self._uow.staged.products:
            raise ConcurrencyConflict
        self._uow.staged.products[product.id] = replace(product)

    async def get(self, product_id: str) -> Product | None:
        return (await self.get_many([product_id])).get(product_id)

    async def get_by_sku(self, sku: str) -> Product | None:
        return next((p for p in await self.list() if p.sku == sku), None)

    async def list(self) -> Sequence[Product]:
        merged = self._merged()
        return [await self._with_availability(p) for p in sorted(merged.values(), key=lambda p: p.sku)]

    async def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        merged = self._merged()
        return {pid: await self._with_availability(merged[pid]) for pid in product_ids if pid in merged}

    async def save(self, product: Product) -> None:
        stored = self._merged().get(product.id)
        if stored is None:
            return
        saved = replace(
            stored,
            name=product.name,
            price=product.price,
            listed=product.listed,
            low_stock_threshold=product.low_stock_threshold,
            redemption=product.redemption,
        )
        if product.id in self._uow.staged.products:
            self._uow.staged.products[product.id] = saved
        else:
            self._uow.staged.product_updates[product.id] = saved

    async def low_stock(self) -> Sequence[Product]:
        return [
            p
            for p in await self.list()
            if p.supplier is SupplierKind.STOCK and p.listed and p.available <= p.low_stock_threshold
        ]

    def _merged(self) -> dict[str, Product]:
        return {**self._db.products, **self._uow.staged.products, **self._uow.staged.product_updates}

    async def set_supplier_availability(
        self, supplier_product_id: str, quantity: int, updated_at: datetime
    ) -> int:
        products = list(self._merged().values())
        return stage_availability(
            self._db, self._uow.staged.kinguin, products, supplier_product_id, quantity, updated_at
        )

    async def _with_availability(self, product: Product) -> Product:
        if product.supplier is not SupplierKind.STOCK:
            return with_staged_availability(self._uow.staged.kinguin, product)
        stock = MemoryStock(self._db, self._uow)
        return replace(product, available=await stock.count_available(product.id))


class MemoryStock(MemoryStockViews, _Repository):
    async def add_many(self, keys: Sequence[StockKey]) -> None:
        self._uow.staged.stock.update({key.id: key for key in keys})

    async def count_available(self, product_id: str) -> int:
        return sum(1 for unit in self._units() if unit.product_id == product_id and _free(unit))

    async def allocate(self, product_id: str, order_id: str, item_id: str, quantity: int) -> list[StockKey]:
        units = sorted(self._units(), key=lambda unit: unit.id)
        mine = [unit for unit in units if unit.item_id == item_id]
        free = [unit for unit in units if unit.product_id == product_id and _free(unit)]
        missing = quantity - len(mine)
        if missing > len(free):
            raise OutOfStock
        taken = [replace(unit, order_id=order_id, item_id=item_id) for unit in free[: max(missing, 0)]]
        self._uow.staged.stock.update({unit.id: unit for unit in taken})
        # What the committed state gave this item when we read it; commit refuses if that changed.
        committed = {unit.id for unit in self._db.stock.values() if unit.item_id == item_id}
        self._uow.staged.item_units.setdefault(item_id, committed)
        return mine + taken

    async def allocate_many(self, wanted: Sequence[StockAllocation]) -> dict[str, list[StockKey]]:
        given: dict[str, list[StockKey]] = {}
        for one in wanted:
            try:
                given[one.item_id] = await self.allocate(
                    one.product_id, one.order_id, one.item_id, one.quantity
                )
            except OutOfStock:
                continue
        return given

    async def wrapped_elsewhere(self, active_version: int, after_id: str, limit: int) -> list[StockKey]:
        units = sorted(self._units(), key=lambda unit: unit.id)
        rotatable = [u for u in units if u.wrapped_key and u.key_version != active_version]
        return [u for u in rotatable if u.id > after_id][:limit]

    async def rewrap(self, key_id: str, old_version: int, wrapped_key: bytes, key_version: int) -> bool:
        unit = next((u for u in self._units() if u.id == key_id), None)
        if unit is None or unit.key_version != old_version:
            return False
        self._uow.staged.stock[unit.id] = replace(unit, wrapped_key=wrapped_key, key_version=key_version)
        return True

    async def allocated(self, unit_id: str, item_id: str) -> StockKey | None:
        unit = next((u for u in self._units() if u.id == unit_id), None)
        return unit if unit is not None and unit.item_id == item_id and unit.wrapped_key else None

    async def reassign(self, unit_id: str, from_item_id: str, to_item_id: str) -> bool:
        unit = next((u for u in self._units() if u.id == unit_id), None)
        if unit is None or unit.item_id != from_item_id:
            return False
        self._uow.staged.stock[unit.id] = replace(unit, item_id=to_item_id)
        self._uow.staged.stock_moves[unit.id] = from_item_id
        return True

    async def erase(self, unit_id: str, item_id: str) -> bool:
        unit = await self.allocated(unit_id, item_id)
        if unit is None:
            return False
        self._uow.staged.stock[unit.id] = replace(unit, wrapped_key=b"")
        return True

    def _units(self) -> list[StockKey]:
        return list({**self._db.stock, **self._uow.staged.stock}.values())


def _free(unit: StockKey) -> bool:
    """Neither allocated nor withdrawn."""
    return unit.item_id is None and unit.withdrawn_at is None


class MemoryKeys(_Repository):
    async def add(self, key: SealedKey) -> bool:
        merged = {**self._db.keys, **self._uow.staged.keys}
        taken = key.id in merged or any(
            k.item_id == key.item_id and k.source_key_id == key.source_key_id for k in merged.values()
        )
        if not taken:
            self._uow.staged.keys[key.id] = key
        return not taken

    async def add_many(self, keys: Sequence[SealedKey]) -> set[str]:
        return {key.id for key in keys if await self.add(key)}

    async def list_for_order(self, order_id: str) -> list[SealedKey]:
        merged = self._merged()
        return sorted((k for k in merged.values() if k.order_id == order_id), key=lambda k: k.id)

    async def get(self, key_id: str) -> SealedKey | None:
        return self._merged().get(key_id)

    async def revoke(self, key_id: str, reason: str, replaced_by: str, now: datetime) -> bool:
        key = self._merged().get(key_id)
        if key is None or key.revoked_at is not None:
            return False
        self._stage_update(replace(key, revoked_at=now, revoke_reason=reason[:300], replaced_by=replaced_by))
        return True

    async def wrapped_elsewhere(self, active_version: int, after_id: str, limit: int) -> list[SealedKey]:
        keys = sorted(self._merged().values(), key=lambda k: k.id)
        return [
            k for k in keys if k.purged_at is None and k.key_version != active_version and k.id > after_id
        ][:limit]

    async def rewrap(self, key_id: str, old_version: int, wrapped_key: bytes, key_version: int) -> bool:
        key = self._merged().get(key_id)
        if key is None or key.purged_at is not None or key.key_version != old_version:
            return False
        self._stage_update(replace(key, wrapped_key=wrapped_key, key_version=key_version))
        return True

    async def purgeable(self, cutoff: datetime, limit: int) -> list[SealedKey]:
        orders = {**self._db.orders, **self._uow.staged.orders}
        revealed = {
            e.key_id
            for e in self._db.reveals + self._uow.staged.reveals
            if e.outcome is RevealOutcome.REVEALED and e.at < cutoff
        }
        keys = sorted(self._merged().values(), key=lambda k: k.id)
        return [
            k
            for k in keys
            if k.purged_at is None
            and k.id in revealed
            and (order := orders.get(k.order_id)) is not None
            and order.fulfilled_at is not None
            and order.fulfilled_at < cutoff
        ][:limit]

    async def mark_purged(self, key_id: str, now: datetime) -> bool:
        key = self._merged().get(key_id)
        if key is None or key.purged_at is not None:
            return False
        self._stage_update(replace(key, wrapped_key=b"", purged_at=now))
        return True

    def _merged(self) -> dict[str, SealedKey]:
        return {**self._db.keys, **self._uow.staged.keys, **self._uow.staged.key_updates}

    def _stage_update(self, key: SealedKey) -> None:
        if key.id in self._uow.staged.keys:
            self._uow.staged.keys[key.id] = key
        else:
            self._uow.staged.key_updates[key.id] = key


class MemoryPayments(_Repository):
    async def has(self, dedupe_key: str) -> bool:
        return dedupe_key in self._db.payments or dedupe_key in self._uow.staged.payments

    async def add(self, record: PaymentRecord) -> None:
        if await self.has(record.dedupe_key):
            raise ConcurrencyConflict
        self._uow.staged.payments[record.dedupe_key] = record

    async def list_for_order(self, order_id: str) -> list[PaymentRecord]:
        return [r for r in self._all() if r.order_id == order_id]

    async def list_for_orders(self, order_ids: Sequence[str]) -> dict[str, list[PaymentRecord]]:
        wanted = set(order_ids)
        found: dict[str, list[PaymentRecord]] = {}
        for record in self._all():
            if record.order_id in wanted:
                found.setdefault(record.order_id, []).append(record)
        return found

    async def list_recent(self, limit: int) -> list[PaymentRecord]:
        return list(reversed(self._all()))[:limit]

    def _all(self) -> list[PaymentRecord]:
        merged = {**self._db.payments, **self._uow.staged.payments}
        return sorted(merged.values(), key=lambda r: (r.received_at, r.id))


class MemoryReveals(_Repository):
    async def add(self, event: RevealEvent) -> None:
        # As the SQL column keeps it: at most 512 characters, and an empty user agent is none.
        user_agent = (event.client.user_agent or "")[:512] or None
        self._uow.staged.reveals.append(replace(event, client=replace(event.client, user_agent=user_agent)))

    async def list_for_order(self, order_id: str) -> list[RevealEvent]:
        events = self._db.reveals + self._uow.staged.reveals
        return sorted((e for e in events if e.order_id == order_id), key=lambda e: (e.at, e.id))


class MemoryFulfillmentRequests(_Repository):
    async def add(self, order_id: str, now: datetime, context: RequestContext = NO_REQUEST) -> None:
        # As the SQL columns keep it: a value too long for its column is dropped.
        kept = RequestContext(
            context.request_id if context.request_id is None or len(context.request_id) <= 64 else None,
            context.traceparent if context.traceparent is None or len(context.traceparent) <= 128 else None,
        )
        self._uow.staged.requests[order_id] = FulfillmentRequestRow(order_id, PENDING, now, kept)

    async def contexts(self, order_ids: Sequence[str]) -> dict[str, RequestContext]:
        return {order_id: row.context for order_id in order_ids if (row := self._row(order_id)) is not None}

    async def mark_dispatched(self, order_id: str, now: datetime) -> None:
        row = self._row(order_id)
        if row is not None and row.state != DONE:
            self._uow.staged.requests[order_id] = replace(row, state=DISPATCHED, updated_at=now)

    async def mark_done(self, order_id: str, now: datetime) -> None:
        row = self._row(order_id)
        if row is not None:
            self._uow.staged.requests[order_id] = replace(row, state=DONE, updated_at=now)

    async def mark_done_many(self, order_ids: Sequence[str], now: datetime) -> None:
        for order_id in order_ids:
            await self.mark_done(order_id, now)

    async def pending(self, limit: int) -> list[str]:
        return [row.order_id for row in self._rows() if row.state == PENDING][:limit]

    async def due(self, touched_before: datetime, now: datetime, limit: int) -> list[str]:
        orders = {**self._db.orders, **self._uow.staged.orders}

        def lapsed(row: FulfillmentRequestRow) -> bool:
            order = orders.get(row.order_id)
            expires_at = order.lease_expires_at if order is not None else None
            return expires_at is not None and row.updated_at < expires_at <= now

        return [
            row.order_id
            for row in self._rows()
            if row.state != DONE and (row.updated_at < touched_before or lapsed(row))
        ][:limit]

    def _row(self, order_id: str) -> FulfillmentRequestRow | None:
        return self._uow.staged.requests.get(order_id) or self._db.requests.get(order_id)

    def _rows(self) -> list[FulfillmentRequestRow]:
        merged = {**self._db.requests, **self._uow.staged.requests}
        return sorted(merged.values(), key=lambda row: (row.updated_at, row.order_id))
