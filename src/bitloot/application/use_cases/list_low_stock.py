"""Low stock, for the operator's overview: listed own-stock products whose available units are at or
below their threshold (docs/stock-integrity.md)."""

from collections.abc import Sequence

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.product import Product


class ListLowStock:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self) -> Sequence[Product]:
        """By SKU, each with `available` counted; one query. An unlisted product is not on sale, so
        its stock is never low; a Kinguin product's stock is Kinguin's."""
        try:
            return await self._uow.products.low_stock()
        finally:
            await self._uow.rollback()
