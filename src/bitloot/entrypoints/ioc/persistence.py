"""Where the shop's state lives: the SQL database (units of work, the read model, the lease
heartbeat's own small pool) and the store of sealed key blobs (S3, or a local folder)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bitloot.adapters.health import SqlDatabaseProbe
from bitloot.adapters.persistence.sqla.engine import (
    DatabaseSettings,
    create_engine,
    read_only_engine,
    session_factory,
)
from bitloot.adapters.persistence.sqla.order_page import SqlOrderPageReader
from bitloot.adapters.persistence.sqla.read_models import SqlOrderProgressReader
from bitloot.adapters.persistence.sqla.reconciler_agenda import SqlReconcilerAgenda
from bitloot.adapters.persistence.sqla.unit_of_work import SqlaUnitOfWork, SqlaUnitOfWorkFactory
from bitloot.adapters.storage.local_directory import LocalDirectoryBlobStore
from bitloot.application.ports.health import HealthProbe
from bitloot.application.ports.order_page import OrderPageReader
from bitloot.application.ports.read_models import OrderProgressReader
from bitloot.application.ports.reconciler_agenda import ReconcilerAgenda
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bitloot.entrypoints.config import Settings


@dataclass(frozen=True, slots=True)
class ReadingUnitOfWork:
    """A unit of work on a read-only connection (`read_only_engine`), for a use case that only
    reads: each statement its own round trip on PostgreSQL, no BEGIN and ROLLBACK around them."""

    uow: UnitOfWork


@dataclass(frozen=True, slots=True)
class DatabaseHealth:
    """The database's health probe, apart from the other `HealthProbe`s `CheckHealth` gathers."""

    probe: HealthProbe


class SqlPersistenceProvider(Provider):
    scope = Scope.APP

    @provide
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(
            DatabaseSettings(url=settings.database_url, pool_size=settings.tuning.database.pool_size)
        )
        yield engine
        await engine.dispose()

    @provide
    def sessions(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        return session_factory(engine)

    @provide
    def database_health(self, engine: AsyncEngine) -> DatabaseHealth:
        return DatabaseHealth(SqlDatabaseProbe(read_only_engine(engine)))

    @provide(scope=Scope.REQUEST)
    async def unit_of_work(self, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[UnitOfWork]:
        async with sessions() as session:
            yield SqlaUnitOfWork(session)

    @provide(scope=Scope.REQUEST)
    async def reading_unit_of_work(self, engine: AsyncEngine) -> AsyncIterator[ReadingUnitOfWork]:
        async with session_factory(read_only_engine(engine))() as session:
            yield ReadingUnitOfWork(SqlaUnitOfWork(session))

    @provide
    async def lease_units(self, settings: Settings) -> AsyncIterator[UnitOfWorkFactory]:
        """Lease renewals (the fulfillment heartbeat) on a small pool of their own: a beat never waits
        for a connection behind the jobs it keeps alive. Connects only once a job runs."""
        engine = create_engine(DatabaseSettings(url=settings.database_url, pool_size=2, max_overflow=2))
        yield SqlaUnitOfWorkFactory(session_factory(engine))
        await engine.dispose()

    @provide
    def progress_reader(self, engine: AsyncEngine) -> OrderProgressReader:
        return SqlOrderProgressReader(engine)

    @provide
    def order_page_reader(self, engine: AsyncEngine) -> OrderPageReader:
        return SqlOrderPageReader(engine)

    @provide
    def reconciler_agenda(self, engine: AsyncEngine) -> ReconcilerAgenda:
        return SqlReconcilerAgenda(engine)


class BlobStoreProvider(Provider):
    scope = Scope.APP

    @provide
    async def blob_store(self, settings: Settings) -> AsyncIterator[SealedBlobStore]:
        """S3 when `BITLOOT_STORAGE_URL` is s3://, else the local folder. One client per process."""
        if settings.s3 is None:
            yield LocalDirectoryBlobStore(settings.storage_dir)
            return
        # Imported only for S3: aiohttp and botocore's signer cost half a second of start-up.
        from bitloot.adapters.storage.s3 import S3BlobStore  # noqa: PLC0415

        store = S3BlobStore(settings.s3)
        await store.open()
        yield store
        await store.close()
