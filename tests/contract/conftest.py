"""The `uow_factory` fixture: every contract test runs once per UnitOfWork adapter.

- memory:   `InMemoryUnitOfWork` over one shared `MemoryDatabase`.
- sqlite:   a temp file migrated once per session, copied for each test.
- postgres: a throwaway database migrated once per session and emptied before each test, on the
            server of the `postgres_server_url` fixture (tests/conftest.py).
"""

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bitloot.adapters.persistence.sqla.engine import DatabaseSettings, create_engine, session_factory
from bitloot.adapters.persistence.sqla.migrate import upgrade
from bitloot.adapters.persistence.sqla.order_page import SqlOrderPageReader
from bitloot.adapters.persistence.sqla.read_models import SqlOrderProgressReader
from bitloot.adapters.persistence.sqla.reconciler_agenda import SqlReconcilerAgenda
from bitloot.adapters.persistence.sqla.tables import Base
from bitloot.adapters.persistence.sqla.unit_of_work import SqlaUnitOfWork
from bitloot.application.ports.order_page import OrderPageReader
from bitloot.application.ports.read_models import OrderProgressReader
from bitloot.application.ports.reconciler_agenda import ReconcilerAgenda
from bitloot.application.ports.unit_of_work import UnitOfWork
from tests.fakes.read_models import MemoryOrderPageReader, MemoryOrderProgressReader
from tests.fakes.reconciler_agenda import MemoryReconcilerAgenda
from tests.fakes.state import MemoryDatabase
from tests.fakes.unit_of_work import InMemoryUnitOfWork
from tests.infra.postgres_server import create_database, drop_database

UowFactory = Callable[[], UnitOfWork]

ADAPTERS = ["memory", "sqlite", "postgres"]

T = TypeVar("T")


def _in_thread(function: Callable[..., T], *args: object) -> T:
    """Run blocking code that starts its own event loop (alembic, asyncio.run), whatever runs here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


@pytest.fixture(scope="session")
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A migrated throwaway database for the whole session, dropped at the end."""
    url = _in_thread(asyncio.run, create_database(postgres_server_url))
    try:
        _in_thread(upgrade, url)
        yield url
    finally:
        _in_thread(asyncio.run, drop_database(url))


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


@dataclass(frozen=True)
class Persistence:
    """One database, through each port that reaches it."""

    uow_factory: UowFactory
    progress: OrderProgressReader
    order_page: OrderPageReader
    agenda: ReconcilerAgenda


@pytest.fixture(params=ADAPTERS)
async def persistence(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Persistence]:
    adapter: str = request.param
    if adapter == "memory":
        database = MemoryDatabase()
        yield Persistence(
            lambda: InMemoryUnitOfWork(database),
            MemoryOrderProgressReader(database),
            MemoryOrderPageReader(database),
            MemoryReconcilerAgenda(database),
        )
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
        yield Persistence(
            make, SqlOrderProgressReader(engine), SqlOrderPageReader(engine), SqlReconcilerAgenda(engine)
        )
    finally:
        for session in opened:
            await session.close()
        await engine.dispose()


@pytest.fixture
def uow_factory(persistence: Persistence) -> UowFactory:
    """A zero-argument callable returning a fresh unit of work; all of them share one database."""
    return persistence.uow_factory


@pytest.fixture
def adapter(request: pytest.FixtureRequest) -> str:
    """The name of the adapter this test runs against."""
    return str(cast(pytest.Function, request.node).callspec.params["persistence"])
