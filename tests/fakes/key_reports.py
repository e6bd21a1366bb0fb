"""In-memory key reports and key replacements, refusing what the SQL unique indexes refuse: a
second open report for a key, a second live replacement for a key, and (at commit) a resolve or a
finish of a record another unit changed meanwhile."""

from __future__ import annotations

from collections.abc import Mapping

from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.key_replacement import KeyReplacement, ReplacementState
from bitloot.domain.key_reports import KeyReport, KeyReportStatus
from tests.fakes.state import MemoryDatabase, StagingUnit


class MemoryKeyReports:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
        self._db = db
        self._uow = uow

    async def add(self, report: KeyReport) -> bool:
        merged = self._merged()
        if report.id in merged or any(
            r.is_open and r.sealed_key_id == report.sealed_key_id for r in merged.values()
        ):
            return False
        self._uow.staged.key_reports[report.id] = report
        return True

    async def get(self, report_id: str) -> KeyReport | None:
        return self._merged().get(report_id)

    async def open_for_key(self, sealed_key_id: str) -> KeyReport | None:
        return next(
            (r for r in self._merged().values() if r.is_open and r.sealed_key_id == sealed_key_id), None
        )

    async def by_status(self, status: KeyReportStatus | None, limit: int) -> list[KeyReport]:
        chosen = [r for r in self._merged().values() if status is None or r.status is status]
        return sorted(chosen, key=lambda r: (r.created_at, r.id), reverse=True)[: max(limit, 0)]

    async def count_open(self) -> int:
        return sum(1 for r in self._merged().values() if r.is_open)

    async def list_for_order(self, order_id: str) -> list[KeyReport]:
        chosen = [r for r in self._merged().values() if r.order_id == order_id]
        return sorted(chosen, key=lambda r: (r.created_at, r.id))

    async def resolve(self, report: KeyReport) -> bool:
        current = self._merged().get(report.id)
        if current is None or not current.is_open:
            return False
        self._uow.staged.key_reports[report.id] = report
        return True

    def _merged(self) -> dict[str, KeyReport]:
        return {**self._db.key_reports, **self._uow.staged.key_reports}


class MemoryKeyReplacements:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
        self._db = db
        self._uow = uow

    async def add(self, replacement: KeyReplacement) -> bool:
        merged = self._merged()
        if replacement.id in merged or any(
            r.is_live and r.old_key_id == replacement.old_key_id for r in merged.values()
        ):
            return False
        self._uow.staged.key_replacements[replacement.id] = replacement
        return True

    async def get(self, replacement_id: str) -> KeyReplacement | None:
        return self._merged().get(replacement_id)

    async def lock(self, replacement_id: str) -> KeyReplacement | None:
        # The memory store serialises nothing; a second allocation for the same replacement is refused
        # at commit instead (the stock fake's per-item check).
        return self._merged().get(replacement_id)

    async def live_for_key(self, old_key_id: str) -> KeyReplacement | None:
        return next((r for r in self._merged().values() if r.is_live and r.old_key_id == old_key_id), None)

    async def list_for_order(self, order_id: str) -> list[KeyReplacement]:
        chosen = [r for r in self._merged().values() if r.order_id == order_id]
        return sorted(chosen, key=lambda r: (r.created_at, r.id))

    async def unfinished(self, limit: int) -> list[KeyReplacement]:
        chosen = [r for r in self._merged().values() if r.state is ReplacementState.REQUESTED]
        return sorted(chosen, key=lambda r: (r.created_at, r.id))[: max(limit, 0)]

    async def finish(self, replacement: KeyReplacement) -> bool:
        current = self._merged().get(replacement.id)
        if current is None or current.state is not ReplacementState.REQUESTED:
            return False
        self._uow.staged.key_replacements[replacement.id] = replacement
        return True

    def _merged(self) -> dict[str, KeyReplacement]:
        return {**self._db.key_replacements, **self._uow.staged.key_replacements}


def check_key_reports(
    db: MemoryDatabase, reports: Mapping[str, KeyReport], replacements: Mapping[str, KeyReplacement]
) -> None:
    """Refuse a commit that would break a unique index, or change a record another unit closed."""
    for report in reports.values():
        current = db.key_reports.get(report.id)
        if current is not None and not current.is_open:
            raise ConcurrencyConflict
        if current is None and any(
            r.is_open and r.sealed_key_id == report.sealed_key_id for r in db.key_reports.values()
        ):
            raise ConcurrencyConflict
    for replacement in replacements.values():
        existing = db.key_replacements.get(replacement.id)
        if existing is not None and existing.state is not ReplacementState.REQUESTED:
            raise ConcurrencyConflict
        if existing is None and any(
            r.is_live and r.old_key_id == replacement.old_key_id for r in db.key_replacements.values()
        ):
            raise ConcurrencyConflict
