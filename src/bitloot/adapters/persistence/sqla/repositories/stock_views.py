"""The operator's reads of own stock (part of the `StockRepository` port): a unit's state derived from
its row (withdrawn, allocated) and whether its item holds the key it gave (sold); pages of units and
counts per state. Never selects the envelope."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, and_, case, func, or_, select

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.catalog import STOCK_KEYS
from bitloot.adapters.persistence.sqla.tables.sealed_keys import SEALED_KEYS
from bitloot.domain.stock import StockCounts, StockCursor, StockState, StockUnitView, stock_state

# The item the unit was allocated to holds the key it gave (uq_sealed_keys_item_source).
_DELIVERED = (
    select(SEALED_KEYS.c.id)
    .where(SEALED_KEYS.c.item_id == STOCK_KEYS.c.item_id, SEALED_KEYS.c.source_key_id == STOCK_KEYS.c.id)
    .exists()
)
_WITHDRAWN = STOCK_KEYS.c.withdrawn_at.is_not(None)
_ALLOCATED = STOCK_KEYS.c.item_id.is_not(None)
_IN_STATE: dict[StockState, ColumnElement[bool]] = {
    StockState.AVAILABLE: and_(~_ALLOCATED, ~_WITHDRAWN),
    StockState.RESERVED: and_(_ALLOCATED, ~_DELIVERED),
    StockState.SOLD: and_(_ALLOCATED, _DELIVERED),
    StockState.WITHDRAWN: _WITHDRAWN,
}
_COLUMNS = (
    STOCK_KEYS.c.id,
    STOCK_KEYS.c.product_id,
    STOCK_KEYS.c.created_at,
    STOCK_KEYS.c.order_id,
    STOCK_KEYS.c.item_id,
    STOCK_KEYS.c.withdrawn_at,
    STOCK_KEYS.c.withdrawn_by,
    STOCK_KEYS.c.withdrawn_reason,
)


class StockViews(SqlRepository):
    async def units(
        self, product_id: str, state: StockState | None, after: StockCursor | None, limit: int
    ) -> list[StockUnitView]:
        query = select(*_COLUMNS, _DELIVERED.label("delivered")).where(STOCK_KEYS.c.product_id == product_id)
        if state is not None:
            query = query.where(_IN_STATE[state])
        if after is not None:
            query = query.where(
                or_(
                    STOCK_KEYS.c.created_at > after.imported_at,
                    and_(STOCK_KEYS.c.created_at == after.imported_at, STOCK_KEYS.c.id > after.id),
                )
            )
        query = query.order_by(STOCK_KEYS.c.created_at, STOCK_KEYS.c.id).limit(limit)
        return [_view(row) for row in (await self._execute(query)).mappings()]

    async def views(self, unit_ids: Sequence[str]) -> dict[str, StockUnitView]:
        query = select(*_COLUMNS, _DELIVERED.label("delivered")).where(STOCK_KEYS.c.id.in_(list(unit_ids)))
        return {view.id: view for view in map(_view, (await self._execute(query)).mappings())}

    async def counts(self, product_ids: Sequence[str] | None = None) -> dict[str, StockCounts]:
        sums = [func.sum(case((_IN_STATE[state], 1), else_=0)).label(state.value) for state in StockState]
        query = select(STOCK_KEYS.c.product_id, *sums).group_by(STOCK_KEYS.c.product_id)
        if product_ids is not None:
            query = query.where(STOCK_KEYS.c.product_id.in_(list(product_ids)))
        rows = (await self._execute(query)).mappings()
        return {row["product_id"]: StockCounts(**_counts(row)) for row in rows}


def _counts(row: RowMapping) -> dict[str, Any]:
    return {state.value: int(row[state.value] or 0) for state in StockState}


def _view(row: RowMapping) -> StockUnitView:
    state = stock_state(
        allocated=row["item_id"] is not None,
        delivered=bool(row["delivered"]),
        withdrawn=row["withdrawn_at"] is not None,
    )
    return StockUnitView(
        id=row["id"],
        product_id=row["product_id"],
        state=state,
        imported_at=row["created_at"],
        order_id=row["order_id"],
        withdrawn_at=row["withdrawn_at"],
        withdrawn_by=row["withdrawn_by"],
        withdrawn_reason=row["withdrawn_reason"],
    )
