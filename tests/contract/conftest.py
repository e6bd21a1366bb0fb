"""The `uow_factory` fixture: every contract test runs once per UnitOfWork adapter.

- memory:   `InMemoryUnitOfWork` over one shared `MemoryDatabase`.
- sqlite:   a temp file migrated once per session, copied for each test.
- postgres: a throwaway database migrated once per session and emptied before each test.

PostgreSQL is expected at `postgresql+asyncpg://postgres@127.0.0.1:5432/` (trust auth); set
BITLOOT_TEST_POSTGRES_URL to point elsewhere. If it is unreachable the postgres tests fail, never skip.
"""

import asyncio
import os
import secrets
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar, cast

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bitloot.adapters.memory.database import MemoryDatabase
from bitloot.adapters.memory.unit_of_work import InMemoryUnitOfWork
from bitloot.adapters.persistence.sqla.engine import DatabaseSettings, create_engine, session_factory
from bitloot.adapters.persistence.sqla.migrate import upgrade
from bitloot.adapters.persistence.sqla.tables import Base
from bitloot.adapters.persistence.sqla.unit_of_work import SqlaUnitOfWork
from bitloot.application.ports.unit_of_work import UnitOfWork

UowFactory = Callable[[], UnitOfWork]

POSTGRES_SERVER = os.environ.get("BITLOOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/")
ADAPTERS = ["memory", "sqlite", "postgres"]

HOW_TO_START_POSTGRES = """The contract suite needs PostgreSQL; it is not reachable at {where}: {error!r}

Start one with trust auth on 127.0.0.1:5432, for example:
    docker run -d --name bitloot-pg -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16
or, with a local installation:
    pg_ctlcluster 15 main start      (Debian/Ubuntu)
    pg_ctl -D <datadir> -o "-h 127.0.0.1 -p 5432" start
Or point BITLOOT_TEST_POSTGRES_URL at another server (postgresql+asyncpg://user@host:port/).
Run only the other adapters with: pytest tests/contract -k "not postgres"
"""

T = TypeVar("T")


def _in_thread(function: Callable[..., T], *args: object) -> T:
    """Run blocking code that starts its own event loop (alembic, asyncio.run), whatever runs here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def _server_url() -> URL:
    return make_url(POSTGRES_SERVER)


async def _admin(statement: str) -> None:
    server = _server_url()
    connection = await asyncpg.connect(
        host=server.host or "127.0.0.1",
        port=server.port or 5432,
        user=server.username or "postgres",
        password=server.password,
        database="postgres",
        timeout=5,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated throwaway database for the whole session, dropped at the end."""
    name = f"bitloot_test_{secrets.token_hex(6)}"
    error: Exception | None = None
    try:
        _in_thread(asyncio.run, _admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        error = exc
    if error is not None:
        where = _server_url().render_as_string(hide_password=True)
        pytest.fail(HOW_TO_START_POSTGRES.format(where=where, error=error), pytrace=False)
    url = _server_url().set(database=name).render_as_string(hide_password=False)
    try:
        _in_thread(upgrade, url)
        yield url
    finally:
        _in_thread(asyncio.run, _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating costs far more than copying)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    _in_thread(upgrade, f"sqlite+aiosqlite:///{path}")
    return path


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy through SQLite's backup API, which folds in anything still in the WAL."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


async def _empty_postgres(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())


@pytest.fixture(params=ADAPTERS)
async def uow_factory(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[UowFactory]:
    """A zero-argument callable returning a fresh unit of work; all of them share one database."""
    adapter: str = request.param
    if adapter == "memory":
        database = MemoryDatabase()
        yield lambda: InMemoryUnitOfWork(database)
        return

    if adapter == "sqlite":
        path = tmp_path / "bitloot.db"
        _copy_sqlite(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")

    engine = create_engine(DatabaseSettings(url))
    if adapter == "postgres":
        await _empty_postgres(engine)
    sessions = session_factory(engine)
    opened: list[AsyncSession] = []

    def make() -> UnitOfWork:
        session = sessions()
        opened.append(session)
        return SqlaUnitOfWork(session)

    try:
        yield make
    finally:
        for session in opened:
            await session.close()
        await engine.dispose()


@pytest.fixture
def adapter(request: pytest.FixtureRequest) -> str:
    """The name of the adapter this test runs against."""
    return str(cast(pytest.Function, request.node).callspec.params["uow_factory"])
