"""The operator lists key reports, newest first (docs/stock-integrity.md)."""

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.key_reports import KeyReport, KeyReportStatus


class ListKeyReports:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, status: KeyReportStatus | None, limit: int) -> list[KeyReport]:
        reports = await self._uow.key_reports.by_status(status, limit)
        await self._uow.rollback()
        return reports
