"""dishka decorators that trace the SQL engine, the blob store and the fulfilment queue (the trace
context kept with each request); given after every other provider."""

from dishka import Provider, Scope, decorate
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.instrumentation.sqlalchemy.version import __version__ as sqlalchemy_instrumentation_version
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy.ext.asyncio import AsyncEngine

from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.entrypoints.tracing.traced_queue import TracedFulfillmentQueue
from bitloot.entrypoints.tracing.traced_store import TracedBlobStore

SQL_TRACER = "opentelemetry.instrumentation.sqlalchemy"


class TracedAdapters(Provider):
    scope = Scope.APP

    def __init__(self, provider: TracerProvider) -> None:
        super().__init__()
        self._provider = provider

    @decorate
    def engine(self, engine: AsyncEngine) -> AsyncEngine:
        """A span per statement, on this engine only (not a process-wide patch of SQLAlchemy). The
        span holds the statement as SQLAlchemy sends it, with its placeholders, never bound values."""
        tracer = self._provider.get_tracer(SQL_TRACER, sqlalchemy_instrumentation_version)
        # The connection-pool gauge it also keeps goes to a meter that records nothing.
        usage = (
            NoOpMeterProvider().get_meter(SQL_TRACER).create_up_down_counter("db.client.connections.usage")
        )
        EngineTracer(tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]
        return engine

    @decorate
    def queue(self, queue: FulfillmentQueue) -> FulfillmentQueue:
        return TracedFulfillmentQueue(queue)

    @decorate
    def blob_store(self, store: SealedBlobStore) -> SealedBlobStore:
        return TracedBlobStore(store, self._provider.get_tracer(__name__))
