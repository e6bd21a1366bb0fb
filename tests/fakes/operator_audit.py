"""The in-memory operator audit log: committed records merged with its unit of work's staged ones."""

from bitloot.domain.operator_audit import AuditCursor, OperatorAction, TargetKind
from tests.fakes.state import MemoryDatabase, StagingUnit


class MemoryOperatorAuditLog:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
        self._db = db
        self._uow = uow

    async def add(self, action: OperatorAction) -> None:
        self._uow.staged.operator_actions.append(action)

    async def page(
        self, limit: int, before: AuditCursor | None = None, operator_id: str | None = None
    ) -> list[OperatorAction]:
        chosen = [
            a
            for a in self._newest_first()
            if (before is None or (a.at, a.id) < (before.at, before.id))
            and (operator_id is None or a.actor.operator_id == operator_id)
        ]
        return chosen[: max(limit, 0)]

    async def for_target(self, target_kind: TargetKind, target_id: str) -> list[OperatorAction]:
        chosen = [a for a in self._newest_first() if (a.target_kind, a.target_id) == (target_kind, target_id)]
        return list(reversed(chosen))

    def _newest_first(self) -> list[OperatorAction]:
        merged = [*self._db.operator_actions, *self._uow.staged.operator_actions]
        return sorted(merged, key=lambda a: (a.at, a.id), reverse=True)
