"""Tracing: off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set, then OpenTelemetry spans for HTTP
requests, SQL, the sealed-blob store, provider calls (httpx) and fulfilment jobs, exported over
OTLP/HTTP (`pipeline.py`). The job's span is a child of the span that queued it, through the job's
labels, so one trace runs from the IPN to the fulfilled order across processes.

Off, nothing of OpenTelemetry's tracing is imported: this module imports `pipeline.py` only when the
endpoint is set. (redis-py imports `opentelemetry.sdk.metrics` by itself whenever the SDK is
installed; that is not ours to avoid.)"""

import os
from typing import TYPE_CHECKING, Protocol

from dishka import Provider
from taskiq import AsyncBroker

if TYPE_CHECKING:  # a worker never imports Litestar (tens of MB)
    from litestar.plugins import PluginProtocol

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
SERVICE_NAME_VARIABLE = "OTEL_SERVICE_NAME"
API_SERVICE = "bitloot-api"
WORKER_SERVICE = "bitloot-worker"


class Tracing(Protocol):
    """What a process (the API app, a worker) hooks in; every method does nothing when tracing is off."""

    def instrument_broker(self, broker: AsyncBroker) -> None:
        """A span for each job sent and run, the sender's trace context carried in the job's labels."""
        ...

    def providers(self) -> tuple[Provider, ...]:
        """dishka providers, after all others: they decorate the SQL engine and the blob store."""
        ...

    def litestar_plugins(self) -> "list[PluginProtocol]":
        """A span per HTTP request, named by its route template; it also ends tracing at shutdown."""
        ...

    async def shutdown(self) -> None:
        """Export what is left and stop."""
        ...


class TracingOff:
    def instrument_broker(self, broker: AsyncBroker) -> None:
        return None

    def providers(self) -> tuple[Provider, ...]:
        return ()

    def litestar_plugins(self) -> "list[PluginProtocol]":
        return []

    async def shutdown(self) -> None:
        return None


def tracing_wanted() -> bool:
    return bool(os.environ.get(ENDPOINT_VARIABLE, "").strip())


def start_tracing(default_service: str) -> Tracing:
    """This process's tracing: `OTEL_SERVICE_NAME`, else `default_service`, names it. The OTLP exporter
    reads its own `OTEL_EXPORTER_OTLP_*` variables (endpoint, headers, timeout, compression)."""
    if not tracing_wanted():
        return TracingOff()
    from bitloot.entrypoints.tracing.pipeline import start_pipeline  # noqa: PLC0415 - only when tracing

    service = os.environ.get(SERVICE_NAME_VARIABLE, "").strip() or default_service
    return start_pipeline(service)
