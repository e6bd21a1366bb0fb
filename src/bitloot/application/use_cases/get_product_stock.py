"""One product with its own stock counted per state, for the operator (docs/stock-integrity.md)."""

from bitloot.application.errors import NotFound
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.stock import ProductStock, StockCounts


class GetProductStock:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, product_id: str) -> ProductStock:
        try:
            product = await self._uow.products.get(product_id)
            if product is None:
                raise NotFound("No such product.")
            counts = await self._uow.stock.counts([product_id])
        finally:
            await self._uow.rollback()
        return ProductStock(product, counts.get(product_id, StockCounts()))
