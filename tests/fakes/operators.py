"""In-memory operators and console sessions, refusing what the SQL tables refuse: a second operator
with a taken email (at commit, `ConcurrencyConflict`), a session of no operator."""

import copy
from dataclasses import replace
from datetime import datetime

from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.console_sessions import ConsoleSession
from bitloot.domain.operators import Operator
from tests.fakes.operator_state import OperatorsCommitted, OperatorsStaged
from tests.fakes.state import MemoryDatabase, StagingUnit


class MemoryOperators:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
        self._db = db
        self._uow = uow

    def _merged(self) -> dict[str, Operator]:
        staged = self._uow.staged.operators
        return {**self._db.operators.operators, **staged.operators}

    async def add(self, operator: Operator) -> None:
        staged = self._uow.staged.operators
        staged.operators[operator.id] = copy.copy(operator)
        staged.added.add(operator.id)

    async def get(self, operator_id: str) -> Operator | None:
        found = self._merged().get(operator_id)
        return None if found is None else copy.copy(found)

    async def get_by_email(self, email: str) -> Operator | None:
        return next((copy.copy(o) for o in self._merged().values() if o.email == email), None)

    async def all(self) -> list[Operator]:
        return [copy.copy(o) for o in sorted(self._merged().values(), key=lambda o: (o.created_at, o.id))]

    async def save(self, operator: Operator) -> None:
        if operator.id in self._merged():
            self._uow.staged.operators.operators[operator.id] = copy.copy(operator)


class MemoryConsoleSessions:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
        self._db = db
        self._uow = uow

    def _merged(self) -> dict[str, ConsoleSession]:
        return {**self._db.operators.sessions, **self._uow.staged.operators.sessions}

    async def add(self, session: ConsoleSession) -> None:
        self._uow.staged.operators.sessions[session.id] = copy.copy(session)
        self._uow.staged.operators.added_sessions.add(session.id)

    async def get(self, session_id: str) -> ConsoleSession | None:
        found = self._merged().get(session_id)
        return None if found is None else copy.copy(found)

    async def touch(self, session_id: str, at: datetime) -> None:
        if (found := self._merged().get(session_id)) is not None:
            self._uow.staged.operators.sessions[session_id] = replace(found, last_seen_at=at)

    async def revoke(self, session_id: str, at: datetime) -> None:
        found = self._merged().get(session_id)
        if found is not None and found.revoked_at is None:
            self._uow.staged.operators.sessions[session_id] = replace(found, revoked_at=at)

    async def revoke_all(self, operator_id: str, at: datetime) -> int:
        live = [s for s in self._merged().values() if s.operator_id == operator_id and s.revoked_at is None]
        for found in live:
            self._uow.staged.operators.sessions[found.id] = replace(found, revoked_at=at)
        return len(live)


def check_operators(db: OperatorsCommitted, staged: OperatorsStaged) -> None:
    merged = {**db.operators, **staged.operators}
    if any(operator_id in db.operators for operator_id in staged.added):
        raise ConcurrencyConflict
    emails = [o.email for o in merged.values()]
    if len(set(emails)) != len(emails):
        raise ConcurrencyConflict
    if any(s.operator_id not in merged for s in staged.sessions.values()):
        raise ConcurrencyConflict
    if any(session_id in db.sessions for session_id in staged.added_sessions):
        raise ConcurrencyConflict


def apply_operators(db: OperatorsCommitted, staged: OperatorsStaged) -> None:
    db.operators.update(staged.operators)
    db.sessions.update(staged.sessions)
