"""A read-only SELECT run on asyncpg itself, through a connection of the engine's own pool.

The most frequent read (a customer asking for an order's status) spends about three quarters of its
time in SQLAlchemy, not in PostgreSQL: a `Connection` per call, its events and execution context,
the statement's cache key and the result's processing. `DriverRead` compiles its statement once,
checks a connection out of the same pool (same size, same connect arguments and timeouts) and sends
the statement straight to asyncpg, which prepares it once per connection. Outside any transaction,
as `read_only_engine`'s autocommit would be.

At most as many reads at once as the pool holds connections: the others wait their turn here, not
in the pool's queue. A crowd of waiters there (50 clients on a pool of 10) makes SQLAlchemy find
its queue full when many connections come back at once, close them, and open new ones for the
next callers: each a new PostgreSQL backend, dozens a second per API process under load.

Only where nothing listens to the engine's statements: a traced engine (entrypoints/tracing/) keeps
SQLAlchemy's path, so that every statement still has its span (`listened_to`)."""

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection, QueuePool
from sqlalchemy.util import greenlet_spawn

# SQLSTATE class 22, "data exception": a value the column cannot hold (text with NUL, say).
DATA_EXCEPTION = "22"


def reads_on_driver(engine: AsyncEngine) -> bool:
    """Whether `DriverRead` serves this engine: PostgreSQL on asyncpg."""
    return engine.dialect.name == "postgresql" and engine.dialect.driver == "asyncpg"


def listened_to(engine: AsyncEngine) -> bool:
    """Whether something (a tracer) hooks the statements this engine runs."""
    dispatch = engine.sync_engine.dispatch
    return bool(dispatch.before_cursor_execute) or bool(dispatch.after_cursor_execute)


def is_data_exception(exc: BaseException) -> bool:
    return str(getattr(exc, "sqlstate", None) or "").startswith(DATA_EXCEPTION)


class DriverRead:
    """`statement`, compiled once for `engine`'s dialect, run on asyncpg (`reads_on_driver`)."""

    def __init__(self, engine: AsyncEngine, statement: Select[Any]) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        self._engine = engine
        self._sql = str(compiled)
        self._names: Sequence[str] = compiled.positiontup or ()
        pool = engine.sync_engine.pool
        self._turns = asyncio.Semaphore(pool.size() if isinstance(pool, QueuePool) else 1)

    async def rows(self, params: Mapping[str, Any]) -> list[Any]:
        """asyncpg records (by column name); the driver's own error when the statement fails."""
        values = [params[name] for name in self._names]
        async with self._turns:
            pooled = await self._engine.raw_connection()
            driver: Any = pooled.driver_connection
            try:
                rows: list[Any] = await driver.fetch(self._sql, *values)
            except BaseException as exc:
                self._after_failure(pooled, driver, exc)
                raise
            finally:
                # Back to the pool; SQLAlchemy may close a surplus connection there, awaiting asyncpg.
                await greenlet_spawn(pooled.close)
        return rows

    def _after_failure(self, pooled: PoolProxiedConnection, driver: Any, exc: BaseException) -> None:
        """What SQLAlchemy does after a failed statement: a connection that broke (its server went
        away) renews the whole pool, as every connection opened before is likely dead too, so it
        fails once; one the caller left mid-statement (cancelled) is discarded. A connection whose
        server answered with an error (a value it refused, a timeout) stays in the pool."""
        error = exc if isinstance(exc, Exception) else None
        if driver.is_closed():
            self._engine.sync_engine.pool._invalidate(pooled, error)  # as SQLAlchemy's Connection does
        elif not hasattr(exc, "sqlstate"):
            pooled.invalidate(error)
