"""The in-memory side of stock care: the operator's reads of units (states, pages, counts), withdrawing,
and what a commit checks and applies for them, as the SQL adapter does (docs/stock-integrity.md)."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.keys import StockKey
from bitloot.domain.product import Product
from bitloot.domain.stock import StockCounts, StockCursor, StockState, StockUnitView, stock_state
from tests.fakes.state import MemoryDatabase, Staged, StagingUnit


class MemoryStockViews:
    _db: MemoryDatabase
    _uow: StagingUnit

    async def units(
        self, product_id: str, state: StockState | None, after: StockCursor | None, limit: int
    ) -> list[StockUnitView]:
        views = [self._view(u) for u in self._all_units() if u.product_id == product_id]
        chosen = [v for v in views if state is None or v.state is state]
        if after is not None:
            chosen = [v for v in chosen if (v.imported_at, v.id) > (after.imported_at, after.id)]
        return sorted(chosen, key=lambda v: (v.imported_at, v.id))[:limit]

    async def views(self, unit_ids: Sequence[str]) -> dict[str, StockUnitView]:
        wanted = set(unit_ids)
        return {u.id: self._view(u) for u in self._all_units() if u.id in wanted}

    async def counts(self, product_ids: Sequence[str] | None = None) -> dict[str, StockCounts]:
        tally: dict[str, dict[str, int]] = {}
        for unit in self._all_units():
            if product_ids is None or unit.product_id in product_ids:
                per_state = tally.setdefault(unit.product_id, {s.value: 0 for s in StockState})
                per_state[self._view(unit).state.value] += 1
        return {product_id: StockCounts(**per_state) for product_id, per_state in tally.items()}

    async def withdraw(
        self, product_id: str, unit_ids: Sequence[str], at: datetime, by: str, reason: str
    ) -> list[str]:
        wanted = set(unit_ids)
        taken = [
            replace(u, withdrawn_at=at, withdrawn_by=by, withdrawn_reason=reason)
            for u in self._all_units()
            if u.id in wanted and u.product_id == product_id and u.item_id is None and u.withdrawn_at is None
        ]
        self._uow.staged.stock.update({u.id: u for u in taken})
        self._uow.staged.withdrawn_units.update(u.id for u in taken)
        return sorted(u.id for u in taken)

    def _view(self, unit: StockKey) -> StockUnitView:
        keys = [*self._db.keys.values(), *self._uow.staged.keys.values()]
        delivered = any(k.item_id == unit.item_id and k.source_key_id == unit.id for k in keys)
        return StockUnitView(
            id=unit.id,
            product_id=unit.product_id,
            state=stock_state(
                allocated=unit.item_id is not None,
                delivered=delivered,
                withdrawn=unit.withdrawn_at is not None,
            ),
            imported_at=unit.created_at,
            order_id=unit.order_id,
            withdrawn_at=unit.withdrawn_at,
            withdrawn_by=unit.withdrawn_by,
            withdrawn_reason=unit.withdrawn_reason,
        )

    def _all_units(self) -> list[StockKey]:
        return list({**self._db.stock, **self._uow.staged.stock}.values())


def check_withdrawals(db: MemoryDatabase, staged: Staged) -> None:
    """Like the SQL adapter's conditional UPDATEs: a withdrawal of a unit allocated or withdrawn
    meanwhile, and an allocation of a unit withdrawn meanwhile, lose the race."""
    for unit in staged.stock.values():
        current = db.stock.get(unit.id)
        if current is None:
            continue
        withdrawn_again = unit.id in staged.withdrawn_units and current.withdrawn_at is not None
        taken_after_withdrawal = current.withdrawn_at is not None and unit.withdrawn_at is None
        if withdrawn_again or taken_after_withdrawal:
            raise ConcurrencyConflict


def apply_product_updates(db: MemoryDatabase, updates: dict[str, Product]) -> None:
    """The operator's changes; the supplier's availability stays as committed (Kinguin's webhook)."""
    for product_id, product in updates.items():
        if product_id in db.products:
            db.products[product_id] = replace(product, available=db.products[product_id].available)
