"""The operator audit log (the `OperatorAuditLog` port), and how a row maps to an `OperatorAction`."""

from typing import Any

from sqlalchemy import RowMapping, Select, and_, insert, or_, select

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.operator_audit import OPERATOR_ACTIONS
from bitloot.domain.operator_audit import (
    ActionKind,
    Actor,
    ActorKind,
    AuditCursor,
    OperatorAction,
    TargetKind,
)

_T = OPERATOR_ACTIONS.c


class SqlaOperatorAuditLog(SqlRepository):
    async def add(self, action: OperatorAction) -> None:
        await self._execute(insert(OPERATOR_ACTIONS).values(_values(action)))

    async def page(
        self, limit: int, before: AuditCursor | None = None, operator_id: str | None = None
    ) -> list[OperatorAction]:
        query = select(OPERATOR_ACTIONS).order_by(_T.at.desc(), _T.id.desc()).limit(max(limit, 0))
        if before is not None:
            query = query.where(or_(_T.at < before.at, and_(_T.at == before.at, _T.id < before.id)))
        if operator_id is not None:
            query = query.where(_T.operator_id == operator_id)
        return await self._load(query)

    async def for_target(self, target_kind: TargetKind, target_id: str) -> list[OperatorAction]:
        query = (
            select(OPERATOR_ACTIONS)
            .where(_T.target_kind == target_kind.value, _T.target_id == target_id)
            .order_by(_T.at, _T.id)
        )
        return await self._load(query)

    async def _load(self, query: Select[Any]) -> list[OperatorAction]:
        return [_from_row(row) for row in (await self._execute(query)).mappings()]


def _from_row(row: RowMapping) -> OperatorAction:
    return OperatorAction(
        id=row["id"],
        actor=Actor(
            kind=ActorKind(row["actor_kind"]),
            label=row["actor_label"],
            operator_id=row["operator_id"],
            client_ip=row["client_ip"],
        ),
        kind=ActionKind(row["kind"]),
        target_kind=TargetKind(row["target_kind"]),
        target_id=row["target_id"],
        detail=row["detail"],
        at=row["at"],
    )


def _values(action: OperatorAction) -> dict[str, Any]:
    return {
        "id": action.id,
        "actor_kind": action.actor.kind.value,
        "actor_label": action.actor.label[:254],
        "operator_id": action.actor.operator_id,
        "client_ip": action.actor.client_ip,
        "kind": action.kind.value,
        "target_kind": action.target_kind.value,
        "target_id": action.target_id,
        "detail": action.detail,
        "at": action.at,
    }
