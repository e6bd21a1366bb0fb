"""The operator lists orders, newest first, optionally in one status."""

from collections.abc import Sequence

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus

MAX_PAGE = 200


class ListOrders:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, status: OrderStatus | None, limit: int = 50) -> Sequence[Order]:
        orders = await self._uow.orders.list(status, max(1, min(limit, MAX_PAGE)))
        await self._uow.rollback()
        return orders
