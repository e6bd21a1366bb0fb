"""The operator pages through a product's stock units, by state, oldest first; never a key
(docs/stock-integrity.md)."""

from dataclasses import dataclass

from bitloot.application.errors import NotFound
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.errors import InvalidValue
from bitloot.domain.stock import StockCursor, StockState, StockUnitView

MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class StockUnitPage:
    units: tuple[StockUnitView, ...]
    # Where the next page starts; None on the last page.
    next: StockCursor | None


class ListStockUnits:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(
        self,
        product_id: str,
        state: StockState | None = None,
        after: StockCursor | None = None,
        limit: int = 50,
    ) -> StockUnitPage:
        """Keyset paging by (import time, id): a page boundary between two units imported at the same
        instant loses neither, and units imported meanwhile never shift a page."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidValue(f"A page holds 1 to {MAX_PAGE} units.")
        try:
            if await self._uow.products.get(product_id) is None:
                raise NotFound("No such product.")
            # One more than asked says whether another page follows.
            units = await self._uow.stock.units(product_id, state, after, limit + 1)
        finally:
            await self._uow.rollback()
        page = tuple(units[:limit])
        more = len(units) > limit
        return StockUnitPage(page, StockCursor(page[-1].imported_at, page[-1].id) if more else None)
