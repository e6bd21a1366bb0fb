"""The public catalog."""

from collections.abc import Sequence

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.product import Product


class ListProducts:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self) -> Sequence[Product]:
        """Every listed product (an unlisted one is not on sale), with units in stock (own stock) or
        the last quantity the supplier reported."""
        products = await self._uow.products.list()
        await self._uow.rollback()
        return [product for product in products if product.listed]
