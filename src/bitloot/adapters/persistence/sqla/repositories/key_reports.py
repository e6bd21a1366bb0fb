"""Key reports and key replacements (the `KeyReportRepository` and `KeyReplacementRepository`
ports), and how their rows map to entities. "At most one open report per key" and "one live
replacement per key" are unique indexes (tables/key_reports.py): an insert that meets one does
nothing and answers False."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping, Select, func, select, update

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.key_reports import KEY_REPLACEMENTS, KEY_REPORTS
from bitloot.domain.key_replacement import KeyReplacement, ReplacementState
from bitloot.domain.key_reports import KeyReport, KeyReportStatus

_R = KEY_REPORTS.c
_X = KEY_REPLACEMENTS.c
_OPEN = KeyReportStatus.OPEN.value
_REQUESTED = ReplacementState.REQUESTED.value


class SqlaKeyReportRepository(SqlRepository):
    async def add(self, report: KeyReport) -> bool:
        values = {**_report_values(report), "open_key_id": report.sealed_key_id}
        result = await self._execute(self._insert(KEY_REPORTS).values(values).on_conflict_do_nothing())
        return bool(result.rowcount == 1)

    async def get(self, report_id: str) -> KeyReport | None:
        found = await self._load(select(KEY_REPORTS).where(_R.id == report_id))
        return found[0] if found else None

    async def open_for_key(self, sealed_key_id: str) -> KeyReport | None:
        found = await self._load(select(KEY_REPORTS).where(_R.open_key_id == sealed_key_id))
        return found[0] if found else None

    async def by_status(self, status: KeyReportStatus | None, limit: int) -> list[KeyReport]:
        query = select(KEY_REPORTS).order_by(_R.created_at.desc(), _R.id.desc()).limit(max(limit, 0))
        if status is not None:
            query = query.where(_R.status == status.value)
        return await self._load(query)

    async def count_open(self) -> int:
        query = select(func.count()).select_from(KEY_REPORTS).where(_R.status == KeyReportStatus.OPEN.value)
        return int((await self._execute(query)).scalar_one())

    async def list_for_order(self, order_id: str) -> list[KeyReport]:
        return await self._load(
            select(KEY_REPORTS).where(_R.order_id == order_id).order_by(_R.created_at, _R.id)
        )

    async def resolve(self, report: KeyReport) -> bool:
        values = {**_report_values(report), "open_key_id": None}
        result = await self._execute(
            update(KEY_REPORTS).where(_R.id == report.id, _R.status == _OPEN).values(values)
        )
        return bool(result.rowcount == 1)

    async def _load(self, query: Select[Any]) -> list[KeyReport]:
        return [_report(row) for row in (await self._execute(query)).mappings()]


class SqlaKeyReplacementRepository(SqlRepository):
    async def add(self, replacement: KeyReplacement) -> bool:
        values = {**_replacement_values(replacement), "live_key_id": replacement.old_key_id}
        result = await self._execute(self._insert(KEY_REPLACEMENTS).values(values).on_conflict_do_nothing())
        return bool(result.rowcount == 1)

    async def get(self, replacement_id: str) -> KeyReplacement | None:
        found = await self._load(select(KEY_REPLACEMENTS).where(_X.id == replacement_id))
        return found[0] if found else None

    async def lock(self, replacement_id: str) -> KeyReplacement | None:
        query = select(KEY_REPLACEMENTS).where(_X.id == replacement_id)
        if self._dialect == "postgresql":
            query = query.with_for_update()
        found = await self._load(query)
        return found[0] if found else None

    async def live_for_key(self, old_key_id: str) -> KeyReplacement | None:
        found = await self._load(select(KEY_REPLACEMENTS).where(_X.live_key_id == old_key_id))
        return found[0] if found else None

    async def list_for_order(self, order_id: str) -> list[KeyReplacement]:
        return await self._load(
            select(KEY_REPLACEMENTS).where(_X.order_id == order_id).order_by(_X.created_at, _X.id)
        )

    async def unfinished(self, limit: int) -> list[KeyReplacement]:
        return await self._load(
            select(KEY_REPLACEMENTS)
            .where(_X.state == _REQUESTED)
            .order_by(_X.created_at, _X.id)
            .limit(max(limit, 0))
        )

    async def finish(self, replacement: KeyReplacement) -> bool:
        values = _replacement_values(replacement)
        if replacement.state is ReplacementState.FAILED:
            values["live_key_id"] = None
        result = await self._execute(
            update(KEY_REPLACEMENTS).where(_X.id == replacement.id, _X.state == _REQUESTED).values(values)
        )
        return bool(result.rowcount == 1)

    async def _load(self, query: Select[Any]) -> list[KeyReplacement]:
        return [_replacement(row) for row in (await self._execute(query)).mappings()]


def _report_values(report: KeyReport) -> dict[str, Any]:
    return {
        "id": report.id,
        "order_id": report.order_id,
        "item_id": report.item_id,
        "sealed_key_id": report.sealed_key_id,
        "message": report.message,
        "status": report.status.value,
        "created_at": report.created_at,
        "resolved_at": report.resolved_at,
        "resolved_by": report.resolved_by,
        "resolution_note": report.resolution_note,
    }


def _report(row: RowMapping) -> KeyReport:
    return KeyReport(
        id=row["id"],
        order_id=row["order_id"],
        item_id=row["item_id"],
        sealed_key_id=row["sealed_key_id"],
        message=row["message"],
        created_at=row["created_at"],
        status=KeyReportStatus(row["status"]),
        resolved_at=row["resolved_at"],
        resolved_by=row["resolved_by"],
        resolution_note=row["resolution_note"],
    )


def _replacement_values(replacement: KeyReplacement) -> dict[str, Any]:
    return {
        "id": replacement.id,
        "order_id": replacement.order_id,
        "item_id": replacement.item_id,
        "product_id": replacement.product_id,
        "old_key_id": replacement.old_key_id,
        "reason": replacement.reason,
        "requested_by": replacement.requested_by[:254],
        "state": replacement.state.value,
        "report_id": replacement.report_id,
        "new_key_id": replacement.new_key_id,
        "failure_reason": replacement.failure_reason,
        "created_at": replacement.created_at,
        "updated_at": replacement.updated_at,
    }


def _replacement(row: RowMapping) -> KeyReplacement:
    return KeyReplacement(
        id=row["id"],
        order_id=row["order_id"],
        item_id=row["item_id"],
        product_id=row["product_id"],
        old_key_id=row["old_key_id"],
        reason=row["reason"],
        requested_by=row["requested_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        state=ReplacementState(row["state"]),
        report_id=row["report_id"],
        new_key_id=row["new_key_id"],
        failure_reason=row["failure_reason"],
    )
