"""The OpenTelemetry side of tracing, imported only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: one
tracer provider per process (the API app or a worker), its spans batched to the OTLP/HTTP exporter."""

import asyncio
import os

from dishka import Provider
from litestar.plugins import PluginProtocol
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from taskiq import AsyncBroker
from taskiq.middlewares.opentelemetry_middleware import OpenTelemetryMiddleware

from bitloot.entrypoints.tracing.adapters import TracedAdapters
from bitloot.entrypoints.tracing.http_spans import http_tracing_plugin
from bitloot.entrypoints.tracing.outbound_http import OutboundHttpTracing
from bitloot.entrypoints.tracing.sampling import edge_sampler

# The SDK's own sampler setting, which then replaces ours (`sampling.py`).
SAMPLER_VARIABLE = "OTEL_TRACES_SAMPLER"


class OpenTelemetryTracing:
    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self._outbound = OutboundHttpTracing(provider)
        self._stopped = False

    def instrument_broker(self, broker: AsyncBroker) -> None:
        broker.add_middlewares(OpenTelemetryMiddleware(tracer_provider=self.provider))

    def providers(self) -> tuple[Provider, ...]:
        return (TracedAdapters(self.provider),)

    def litestar_plugins(self) -> list[PluginProtocol]:
        return http_tracing_plugin(self.provider, self.shutdown)

    async def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._outbound.stop()
        # Exports the spans still in the batch: blocking, so off the event loop.
        await asyncio.to_thread(self.provider.shutdown)


def start_pipeline(service: str) -> OpenTelemetryTracing:
    sampler = None if os.environ.get(SAMPLER_VARIABLE) else edge_sampler()
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service}), sampler=sampler, shutdown_on_exit=False
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return OpenTelemetryTracing(provider)
