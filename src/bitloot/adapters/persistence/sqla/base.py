"""What every SQL repository shares: the session, and driver errors turned into port errors."""

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from bitloot.application.errors import ConcurrencyConflict


class SqlRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    async def _execute(self, statement: Executable, params: Any = None) -> Any:
        """Run a statement; a unique or foreign-key violation is a lost race (`ConcurrencyConflict`)."""
        try:
            return await self._session.execute(statement, params)
        except IntegrityError as exc:
            raise ConcurrencyConflict from exc
