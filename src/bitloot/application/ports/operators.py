"""Operator accounts and their console sessions (docs/console.md), staged in the unit of work."""

from datetime import datetime
from typing import Protocol

from bitloot.domain.console_sessions import ConsoleSession
from bitloot.domain.operators import Operator


class OperatorRepository(Protocol):
    async def add(self, operator: Operator) -> None:
        """Stage a new operator. Two operators never share an email: adding or committing a second
        one raises `ConcurrencyConflict`."""
        ...

    async def get(self, operator_id: str) -> Operator | None: ...

    async def get_by_email(self, email: str) -> Operator | None:
        """`email` normalized (lower-case), as `Operator.email` holds it."""
        ...

    async def all(self) -> list[Operator]:
        """Every operator, oldest first."""
        ...

    async def save(self, operator: Operator) -> None:
        """Stage the changes of an operator read earlier (disabled, a new password)."""
        ...


class ConsoleSessionRepository(Protocol):
    async def add(self, session: ConsoleSession) -> None:
        """Stage a new session; one of no operator raises `ConcurrencyConflict` (at add or commit)."""
        ...

    async def get(self, session_id: str) -> ConsoleSession | None: ...

    async def touch(self, session_id: str, at: datetime) -> None:
        """Stage a new `last_seen_at`."""
        ...

    async def revoke(self, session_id: str, at: datetime) -> None:
        """Stage the end of one session (kept, for the record); a revoked one stays revoked."""
        ...

    async def revoke_all(self, operator_id: str, at: datetime) -> int:
        """Stage the end of every live session of an operator; answers how many."""
        ...
