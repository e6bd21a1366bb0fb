"""The operator audit log repository (docs/console.md): written in the transaction of the action."""

from typing import Protocol

from bitloot.domain.operator_audit import AuditCursor, OperatorAction, TargetKind


class OperatorAuditLog(Protocol):
    async def add(self, action: OperatorAction) -> None:
        """Stage the record; durable with the unit of work's commit, like the action it records."""
        ...

    async def page(
        self, limit: int, before: AuditCursor | None = None, operator_id: str | None = None
    ) -> list[OperatorAction]:
        """Newest first (by time, then id), strictly older than `before` when given, at most `limit`;
        only one operator's when `operator_id` is given."""
        ...

    async def for_target(self, target_kind: TargetKind, target_id: str) -> list[OperatorAction]:
        """Every record about one target, oldest first."""
        ...
