"""A page of the operator audit log, newest first (docs/console.md)."""

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.operator_audit import AuditCursor, OperatorAction


class ListOperatorActions:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(
        self, limit: int, before: AuditCursor | None = None, operator_id: str | None = None
    ) -> list[OperatorAction]:
        found = await self._uow.operator_actions.page(limit, before=before, operator_id=operator_id)
        await self._uow.rollback()
        return found
