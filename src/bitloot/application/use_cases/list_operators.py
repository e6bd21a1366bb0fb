"""Every operator, oldest first (docs/console.md)."""

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.operators import Operator


class ListOperators:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self) -> list[Operator]:
        operators = await self._uow.operators.all()
        await self._uow.rollback()
        return operators
