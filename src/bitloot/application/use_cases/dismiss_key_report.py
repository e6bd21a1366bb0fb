"""The operator dismisses a key report that needs no replacement, with a note (docs/stock-integrity.md)."""

from bitloot.application.errors import ConcurrencyConflict, Conflict, NotFound
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.key_reports import KeyReport, KeyReportStatus, resolution_note
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind


class DismissKeyReport:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, report_id: str, note: str, actor: Actor) -> KeyReport:
        """Only an open report is dismissed (`Conflict` names its status otherwise); audited as
        `KEY_REPORT_DISMISSED` in the same transaction. The note is required (1 to 300 characters)."""
        checked = resolution_note(note)
        return await in_transaction(self._uow, lambda: self._dismiss(report_id, checked, actor))

    async def _dismiss(self, report_id: str, note: str, actor: Actor) -> KeyReport:
        report = await self._uow.key_reports.get(report_id)
        if report is None:
            raise NotFound("No such key report.")
        if not report.is_open:
            raise Conflict(f"This report is already {report.status}.")
        now = self._clock.now()
        dismissed = report.resolve(KeyReportStatus.DISMISSED, actor.label, note, now)
        if not await self._uow.key_reports.resolve(dismissed):
            raise ConcurrencyConflict
        await self._uow.operator_actions.add(
            actor.did(
                ActionKind.KEY_REPORT_DISMISSED,
                TargetKind.KEY_REPORT,
                report.id,
                now,
                f"report on key {report.sealed_key_id} of order {report.order_id} dismissed",
            )
        )
        return dismissed
