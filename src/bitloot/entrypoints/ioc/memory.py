"""`MemoryPersistenceProvider`: the SQL database replaced by one `MemoryDatabase`, an override for
tests of the HTTP app and the worker (`container_for(settings, broker, MemoryPersistenceProvider())`)."""

from dishka import Provider, Scope, provide

from bitloot.adapters.health import CallableProbe
from bitloot.adapters.memory.database import MemoryDatabase
from bitloot.adapters.memory.read_models import MemoryOrderProgressReader
from bitloot.adapters.memory.unit_of_work import InMemoryUnitOfWork, InMemoryUnitOfWorkFactory
from bitloot.application.ports.read_models import OrderProgressReader
from bitloot.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bitloot.entrypoints.ioc.persistence import DatabaseHealth


class MemoryPersistenceProvider(Provider):
    """Everything in one `MemoryDatabase`, for unit tests of the HTTP app and worker."""

    def __init__(self, database: MemoryDatabase | None = None) -> None:
        super().__init__()
        self.database = database or MemoryDatabase()

    @provide(scope=Scope.APP)
    def database_health(self) -> DatabaseHealth:
        async def always() -> None:
            return None

        return DatabaseHealth(CallableProbe("database", always))

    @provide(scope=Scope.REQUEST)
    def unit_of_work(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self.database)

    @provide(scope=Scope.APP)
    def lease_units(self) -> UnitOfWorkFactory:
        return InMemoryUnitOfWorkFactory(self.database)

    @provide(scope=Scope.APP)
    def progress_reader(self) -> OrderProgressReader:
        return MemoryOrderProgressReader(self.database)
