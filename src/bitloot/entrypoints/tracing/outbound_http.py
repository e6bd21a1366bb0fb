"""Spans for the provider calls (NOWPayments, Kinguin), which the adapters make with httpx.

httpx's instrumentation wraps httpx's transport classes, so every client of the process is traced,
those made before too; one tracing pipeline owns it at a time, and stopping that one stops it."""

from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import TracerProvider


class OutboundHttpTracing:
    def __init__(self, provider: TracerProvider) -> None:
        instrumentor = HTTPXClientInstrumentor()
        self._owner = not instrumentor.is_instrumented_by_opentelemetry
        if self._owner:
            instrumentor.instrument(tracer_provider=provider)

    def stop(self) -> None:
        if self._owner:
            HTTPXClientInstrumentor().uninstrument()
            self._owner = False
