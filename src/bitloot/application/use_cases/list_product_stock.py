"""Every product with its own stock counted per state, for the operator (docs/stock-integrity.md)."""

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.stock import ProductStock, StockCounts


class ListProductStock:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self) -> list[ProductStock]:
        """Listed or not, by SKU; two queries whatever the number of products."""
        try:
            products = await self._uow.products.list()
            counts = await self._uow.stock.counts()
        finally:
            await self._uow.rollback()
        return [ProductStock(p, counts.get(p.id, StockCounts())) for p in products]
