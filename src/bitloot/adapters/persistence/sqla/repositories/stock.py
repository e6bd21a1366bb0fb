"""Own stock (the `StockRepository` port): importing, counting, allocating, withdrawing and re-wrapping
units, and how a row maps to a `StockKey`. The operator's reads (states, pages, counts) live in
stock_views.py."""

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime

from sqlalchemy import RowMapping, func, insert, select, text, update

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.repositories.stock_views import StockViews
from bitloot.adapters.persistence.sqla.tables.catalog import STOCK_KEYS
from bitloot.adapters.persistence.sqla.tables.orders import ORDER_ITEMS
from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.repositories import StockAllocation
from bitloot.domain.errors import OutOfStock
from bitloot.domain.keys import StockKey


class SqlaStockRepository(StockViews, SqlRepository):
    async def add_many(self, keys: Sequence[StockKey]) -> None:
        rows = [{name: getattr(key, name) for name in STOCK_KEYS.c.keys()} for key in keys]  # noqa: SIM118
        await self._execute(insert(STOCK_KEYS), rows)

    async def count_available(self, product_id: str) -> int:
        query = select(func.count()).where(STOCK_KEYS.c.product_id == product_id, *_AVAILABLE)
        return int((await self._execute(query)).scalar_one())

    async def allocate(self, product_id: str, order_id: str, item_id: str, quantity: int) -> list[StockKey]:
        if self._dialect == "postgresql":
            # Two transactions allocating for the same item take turns here, so the second one sees
            # the first one's units as the item's own instead of taking more. (SQLite's BEGIN
            # IMMEDIATE already runs one writer at a time.) The lock is a statement of its own: the
            # allocation's statement then reads a snapshot taken after it.
            await self._execute(select(ORDER_ITEMS.c.id).where(ORDER_ITEMS.c.id == item_id).with_for_update())
            return await self._allocate_in_one_statement(product_id, order_id, item_id, quantity)
        mine_query = select(STOCK_KEYS).where(STOCK_KEYS.c.item_id == item_id).order_by(STOCK_KEYS.c.id)
        mine = [stock_key_from_row(row) for row in (await self._execute(mine_query)).mappings()]
        missing = quantity - len(mine)
        if missing <= 0:
            return mine
        free_query = (
            select(STOCK_KEYS.c.id)
            .where(STOCK_KEYS.c.product_id == product_id, *_AVAILABLE)
            .order_by(STOCK_KEYS.c.id)
            .limit(missing)
        )
        if self._dialect == "postgresql":
            free_query = free_query.with_for_update(skip_locked=True)
        free_ids = list((await self._execute(free_query)).scalars())
        if len(free_ids) < missing:
            raise OutOfStock
        taken = await self._execute(
            update(STOCK_KEYS)
            # Conditional: a unit withdrawn or allocated since the pick is not taken
            # (docs/stock-integrity.md).
            .where(STOCK_KEYS.c.id.in_(free_ids), *_AVAILABLE)
            .values(order_id=order_id, item_id=item_id)
            .returning(*STOCK_KEYS.c)
        )
        taken_rows = [stock_key_from_row(row) for row in taken.mappings()]
        if len(taken_rows) != missing:
            raise ConcurrencyConflict
        return mine + sorted(taken_rows, key=lambda unit: unit.id)

    async def allocate_many(self, wanted: Sequence[StockAllocation]) -> dict[str, list[StockKey]]:
        """On PostgreSQL the items are locked in one statement (by id, so two batches never wait on
        each other in a cycle), then each item allocated in one; elsewhere `allocate` for each."""
        given: dict[str, list[StockKey]] = {}
        if self._dialect == "postgresql" and wanted:
            item_ids = sorted(one.item_id for one in wanted)
            await self._execute(
                select(ORDER_ITEMS.c.id)
                .where(ORDER_ITEMS.c.id.in_(item_ids))
                .order_by(ORDER_ITEMS.c.id)
                .with_for_update()
            )
        for one in wanted:
            try:
                if self._dialect == "postgresql":
                    units = await self._allocate_in_one_statement(
                        one.product_id, one.order_id, one.item_id, one.quantity
                    )
                else:
                    units = await self.allocate(one.product_id, one.order_id, one.item_id, one.quantity)
            except OutOfStock:
                continue  # nothing was taken for it
            given[one.item_id] = units
        return given

    async def _allocate_in_one_statement(
        self, product_id: str, order_id: str, item_id: str, quantity: int
    ) -> list[StockKey]:
        """PostgreSQL: the item's units, and as many free ones as it still lacks taken for it, in one
        round trip. The free units are locked as they are picked (a unit another allocation holds is
        skipped, one it took meanwhile fails the re-check), so each picked unit is taken."""
        rows = (
            await self._execute(
                _ALLOCATE,
                {"product_id": product_id, "order_id": order_id, "item_id": item_id, "quantity": quantity},
            )
        ).mappings()
        mine: list[StockKey] = []
        taken: list[StockKey] = []
        for row in rows:
            (taken if row["taken_now"] else mine).append(stock_key_from_row(row))
        if len(mine) + len(taken) < quantity:
            raise OutOfStock  # and nothing was taken
        return sorted(mine, key=lambda unit: unit.id) + sorted(taken, key=lambda unit: unit.id)

    async def withdraw(
        self, product_id: str, unit_ids: Sequence[str], at: datetime, by: str, reason: str
    ) -> list[str]:
        # Conditional, like `allocate`'s: on PostgreSQL a unit an allocation holds is waited for and
        # then skipped, as it is no longer free; one this UPDATE holds is skipped by `allocate`.
        result = await self._execute(
            update(STOCK_KEYS)
            .where(STOCK_KEYS.c.product_id == product_id, STOCK_KEYS.c.id.in_(list(unit_ids)), *_AVAILABLE)
            .values(withdrawn_at=at, withdrawn_by=by, withdrawn_reason=reason)
            .returning(STOCK_KEYS.c.id)
        )
        return sorted(result.scalars())

    async def wrapped_elsewhere(self, active_version: int, after_id: str, limit: int) -> list[StockKey]:
        query = (
            select(STOCK_KEYS)
            .where(
                STOCK_KEYS.c.key_version != active_version,
                STOCK_KEYS.c.id > after_id,
                STOCK_KEYS.c.wrapped_key != b"",
            )
            .order_by(STOCK_KEYS.c.id)
            .limit(limit)
        )
        return [stock_key_from_row(row) for row in (await self._execute(query)).mappings()]

    async def rewrap(self, key_id: str, old_version: int, wrapped_key: bytes, key_version: int) -> bool:
        result = await self._execute(
            update(STOCK_KEYS)
            .where(STOCK_KEYS.c.id == key_id, STOCK_KEYS.c.key_version == old_version)
            .values(wrapped_key=wrapped_key, key_version=key_version)
        )
        return bool(result.rowcount == 1)

    async def allocated(self, unit_id: str, item_id: str) -> StockKey | None:
        query = select(STOCK_KEYS).where(
            STOCK_KEYS.c.id == unit_id, STOCK_KEYS.c.item_id == item_id, STOCK_KEYS.c.wrapped_key != b""
        )
        row = (await self._execute(query)).mappings().first()
        return None if row is None else stock_key_from_row(row)

    async def reassign(self, unit_id: str, from_item_id: str, to_item_id: str) -> bool:
        result = await self._execute(
            update(STOCK_KEYS)
            .where(STOCK_KEYS.c.id == unit_id, STOCK_KEYS.c.item_id == from_item_id)
            .values(item_id=to_item_id)
        )
        return bool(result.rowcount == 1)

    async def erase(self, unit_id: str, item_id: str) -> bool:
        result = await self._execute(
            update(STOCK_KEYS)
            .where(
                STOCK_KEYS.c.id == unit_id, STOCK_KEYS.c.item_id == item_id, STOCK_KEYS.c.wrapped_key != b""
            )
            .values(wrapped_key=b"")
        )
        return bool(result.rowcount == 1)


def stock_key_from_row(row: RowMapping) -> StockKey:
    """A unit of own stock; the key fingerprint repository reads units too."""
    return StockKey(**{name: row[name] for name in _FIELDS})


_ALLOCATE = text(
    """
    WITH mine AS (
        SELECT * FROM stock_keys WHERE item_id = :item_id
    ), picked AS (
        SELECT id FROM stock_keys
        WHERE product_id = :product_id AND item_id IS NULL AND withdrawn_at IS NULL
        ORDER BY id
        LIMIT GREATEST(CAST(:quantity AS integer) - (SELECT count(*) FROM mine), 0)
        FOR UPDATE SKIP LOCKED
    ), taken AS (
        UPDATE stock_keys SET order_id = :order_id, item_id = :item_id
        WHERE id IN (SELECT id FROM picked) AND item_id IS NULL AND withdrawn_at IS NULL
            -- all or nothing: too few free units take none
            AND (SELECT count(*) FROM picked) + (SELECT count(*) FROM mine) >= CAST(:quantity AS integer)
        RETURNING *
    )
    SELECT *, false AS taken_now FROM mine
    UNION ALL
    SELECT *, true AS taken_now FROM taken
    """
)

# Neither allocated nor withdrawn.
_AVAILABLE = (STOCK_KEYS.c.item_id.is_(None), STOCK_KEYS.c.withdrawn_at.is_(None))

# The row's columns carry the entity's field names (tables/catalog.py).
_FIELDS = tuple(field.name for field in fields(StockKey))
