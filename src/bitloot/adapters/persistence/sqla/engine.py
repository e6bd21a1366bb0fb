"""Engines and sessions, configured once per process."""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str
    pool_size: int = 10
    max_overflow: int = 5
    pool_timeout_seconds: int = 10
    statement_timeout_ms: int = 5_000


READ_ONLY_OPTION = "bitloot_read_only"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def engine_options(settings: DatabaseSettings) -> dict[str, Any]:
    """What `create_async_engine` is given besides the URL."""
    # No pre-ping: on asyncpg it costs three round trips (BEGIN, `;`, ROLLBACK) per checkout, half
    # the statements of an order. A connection that died with its server fails its one statement
    # instead; SQLAlchemy then invalidates the whole pool, every caller is retried (the IPN by the
    # provider, a job by the reconciler) and fresh connections serve from there on
    # (tests/e2e/test_outages.py restarts PostgreSQL under load).
    if is_sqlite(settings.url):
        return {"hide_parameters": True}
    return {
        "hide_parameters": True,
        "pool_size": settings.pool_size,
        "max_overflow": settings.max_overflow,
        "pool_timeout": settings.pool_timeout_seconds,
        "connect_args": _postgres_connect_args(settings),
    }


def _create_private_file(database: str | None) -> None:
    """Create a SQLite database file readable by its owner only (0600) before SQLite creates it with
    the umask's mode; SQLite gives its journal and WAL files the database file's mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    if not Path(database).parent.is_dir():
        return  # SQLite names the problem itself
    descriptor = os.open(database, os.O_RDONLY | os.O_CREAT, 0o600)
    os.close(descriptor)


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    if is_sqlite(settings.url):
        _create_private_file(make_url(settings.url).database)
    engine = create_async_engine(settings.url, **engine_options(settings))
    if is_sqlite(settings.url):
        _serialize_sqlite_writers(engine)
    return engine


def read_only_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same pool, for statements that only read: on PostgreSQL in autocommit (no BEGIN and
    ROLLBACK round trips), on SQLite in a transaction that never takes the write lock."""
    if is_sqlite(str(engine.url)):
        return engine.execution_options(**{READ_ONLY_OPTION: True})
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def _postgres_connect_args(settings: DatabaseSettings) -> dict[str, Any]:
    return {
        "timeout": 5,
        "command_timeout": settings.statement_timeout_ms / 1000 + 1,
        "server_settings": {
            "statement_timeout": str(settings.statement_timeout_ms),
            "idle_in_transaction_session_timeout": "60000",
            "application_name": "bitloot",
        },
    }


def _serialize_sqlite_writers(engine: AsyncEngine) -> None:
    """SQLite allows one writer. Taking the write lock when a transaction begins (BEGIN IMMEDIATE),
    with a busy timeout, makes concurrent transactions wait their turn instead of failing on a lock
    upgrade; WAL lets the file be read meanwhile by other processes (SQLAlchemy's aiosqlite recipe)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A connection used only for reads (`read_only_engine`) begins a plain deferred transaction:
        # under WAL it reads a snapshot beside the writer instead of queueing for the write lock.
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
