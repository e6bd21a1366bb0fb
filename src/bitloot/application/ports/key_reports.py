"""Key reports and key replacements (docs/stock-integrity.md): reads and staged writes inside the
current unit of work, like every repository."""

from __future__ import annotations

from typing import Protocol

from bitloot.domain.key_replacement import KeyReplacement
from bitloot.domain.key_reports import KeyReport, KeyReportStatus


class KeyReportRepository(Protocol):
    async def add(self, report: KeyReport) -> bool:
        """Stage an open report; False (and nothing written) when its key has an open report
        already, or the id is taken. Two units adding one for the same key: one wins, the other gets
        False here or `ConcurrencyConflict` at commit."""
        ...

    async def get(self, report_id: str) -> KeyReport | None: ...

    async def open_for_key(self, sealed_key_id: str) -> KeyReport | None: ...

    async def by_status(self, status: KeyReportStatus | None, limit: int) -> list[KeyReport]:
        """Newest first, at most `limit`."""
        ...

    async def count_open(self) -> int:
        """How many reports are open (the console's overview)."""
        ...

    async def list_for_order(self, order_id: str) -> list[KeyReport]:
        """Oldest first."""
        ...

    async def resolve(self, report: KeyReport) -> bool:
        """Store a resolved report (`KeyReport.resolve`) if it is still open; False otherwise."""
        ...


class KeyReplacementRepository(Protocol):
    async def add(self, replacement: KeyReplacement) -> bool:
        """Stage a requested replacement; False (and nothing written) when its old key has a live
        (requested or done) replacement already. As `KeyReportRepository.add` in a race."""
        ...

    async def get(self, replacement_id: str) -> KeyReplacement | None: ...

    async def lock(self, replacement_id: str) -> KeyReplacement | None:
        """The replacement, read so that other units locking it wait until this one ends (PostgreSQL
        `FOR UPDATE`; SQLite runs one writer at a time anyway): the supplier step keyed by the
        replacement takes turns."""
        ...

    async def live_for_key(self, old_key_id: str) -> KeyReplacement | None: ...

    async def list_for_order(self, order_id: str) -> list[KeyReplacement]: ...

    async def unfinished(self, limit: int) -> list[KeyReplacement]:
        """Requested replacements, oldest first (for the reconciler)."""
        ...

    async def finish(self, replacement: KeyReplacement) -> bool:
        """Store a replacement that is `done` or `failed` if it is still requested; False otherwise.
        A failed one frees its old key for a new replacement."""
        ...
