"""What every SQL repository shares: the session, driver errors turned into port errors, and an
INSERT in the session's dialect for the statements that take ON CONFLICT."""

from typing import Any

from sqlalchemy import ColumnElement, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.errors import InvalidValue


class SqlRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    def _insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        """An INSERT that can take ON CONFLICT, in the dialect of this session."""
        if self._dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    async def _execute(self, statement: Executable, params: Any = None) -> Any:
        """Run a statement; a unique or foreign-key violation is a lost race (`ConcurrencyConflict`),
        and a value the database cannot hold (PostgreSQL refuses text with a NUL character, say) is
        bad input (`InvalidValue`), never a server error. The message names no value."""
        try:
            return await self._session.execute(statement, params)
        except IntegrityError as exc:
            raise ConcurrencyConflict from exc
        except DBAPIError as exc:
            if is_data_exception(exc):
                raise InvalidValue("A value contains characters that cannot be stored.") from exc
            raise


def skipping_conflicts(table: Table, *returning: ColumnElement[Any]) -> dict[str, Executable]:
    """INSERT ... ON CONFLICT DO NOTHING [RETURNING ...] in each dialect, built once: run with a list
    of rows it is one statement for all of them (SQLAlchemy's "insertmanyvalues") and compiled once,
    where `.values(rows)` was compiled anew for every call."""
    built: dict[str, Executable] = {}
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert)):
        statement = insert(table).on_conflict_do_nothing()
        built[name] = statement.returning(*returning) if returning else statement
    return built


def is_data_exception(exc: DBAPIError) -> bool:
    """A value the database cannot hold: SQLSTATE class 22 ("data exception"). asyncpg's
    NUL-character error reaches SQLAlchemy as a generic DBAPI error that still carries it."""
    return isinstance(exc, DataError) or str(getattr(exc.orig, "sqlstate", None) or "").startswith("22")
