"""The operator lists recorded payment notifications, newest first."""

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.payment import PaymentRecord


class ListPayments:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, limit: int = 50) -> list[PaymentRecord]:
        records = await self._uow.payments.list_recent(max(1, min(limit, 200)))
        await self._uow.rollback()
        return records
