"""Operators and console sessions (the `OperatorRepository` and `ConsoleSessionRepository` ports)."""

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, insert, select, update

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.operators import CONSOLE_SESSIONS, OPERATORS
from bitloot.domain.console_sessions import ConsoleSession
from bitloot.domain.operators import Operator, Role

_O = OPERATORS.c
_S = CONSOLE_SESSIONS.c


class SqlaOperatorRepository(SqlRepository):
    async def add(self, operator: Operator) -> None:
        await self._execute(insert(OPERATORS).values(_operator_values(operator)))

    async def get(self, operator_id: str) -> Operator | None:
        return await self._one(select(OPERATORS).where(_O.id == operator_id))

    async def get_by_email(self, email: str) -> Operator | None:
        return await self._one(select(OPERATORS).where(_O.email == email))

    async def all(self) -> list[Operator]:
        rows = (await self._execute(select(OPERATORS).order_by(_O.created_at, _O.id))).mappings()
        return [_operator(row) for row in rows]

    async def save(self, operator: Operator) -> None:
        values = _operator_values(operator)
        del values["id"]
        await self._execute(update(OPERATORS).where(_O.id == operator.id).values(values))

    async def _one(self, query: Any) -> Operator | None:
        row = (await self._execute(query)).mappings().first()
        return None if row is None else _operator(row)


class SqlaConsoleSessionRepository(SqlRepository):
    async def add(self, session: ConsoleSession) -> None:
        await self._execute(
            insert(CONSOLE_SESSIONS).values(
                id=session.id,
                operator_id=session.operator_id,
                secret_hash=session.secret_hash,
                created_at=session.created_at,
                last_seen_at=session.last_seen_at,
                revoked_at=session.revoked_at,
            )
        )

    async def get(self, session_id: str) -> ConsoleSession | None:
        row = (await self._execute(select(CONSOLE_SESSIONS).where(_S.id == session_id))).mappings().first()
        if row is None:
            return None
        return ConsoleSession(
            id=row["id"],
            operator_id=row["operator_id"],
            secret_hash=row["secret_hash"],
            created_at=row["created_at"],
            last_seen_at=row["last_seen_at"],
            revoked_at=row["revoked_at"],
        )

    async def touch(self, session_id: str, at: datetime) -> None:
        await self._execute(update(CONSOLE_SESSIONS).where(_S.id == session_id).values(last_seen_at=at))

    async def revoke(self, session_id: str, at: datetime) -> None:
        await self._execute(
            update(CONSOLE_SESSIONS).where(_S.id == session_id, _S.revoked_at.is_(None)).values(revoked_at=at)
        )

    async def revoke_all(self, operator_id: str, at: datetime) -> int:
        result = await self._execute(
            update(CONSOLE_SESSIONS)
            .where(_S.operator_id == operator_id, _S.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return int(result.rowcount)


def _operator(row: RowMapping) -> Operator:
    return Operator(
        id=row["id"],
        email=row["email"],
        role=Role(row["role"]),
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        password_changed_at=row["password_changed_at"],
        disabled_at=row["disabled_at"],
    )


def _operator_values(operator: Operator) -> dict[str, Any]:
    return {
        "id": operator.id,
        "email": operator.email,
        "role": operator.role.value,
        "password_hash": operator.password_hash,
        "created_at": operator.created_at,
        "password_changed_at": operator.password_changed_at,
        "disabled_at": operator.disabled_at,
    }
