"""A stand-in for an OpenTelemetry collector: a real aiohttp server on 127.0.0.1 (a free port), in a
thread of its own, that accepts `POST /v1/traces` as OTLP/HTTP protobuf (gzip or not), decodes each
request with opentelemetry-proto, and keeps both the spans and the raw bytes it was sent (the canary
tests search the bytes, so nothing a decoder skips can hide a secret)."""

import asyncio
import gzip
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from tests.providers.threaded import ThreadedAiohttpServer

PROTOBUF = "application/x-protobuf"


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, Any]
    # Each event's name and attributes (an exception's message and stack, say).
    events: tuple[tuple[str, dict[str, Any]], ...]

    @property
    def texts(self) -> list[str]:
        """Every string in the span: its name, attribute keys and values, events."""
        found = [self.name, *self.attributes, *(str(v) for v in self.attributes.values())]
        for name, attributes in self.events:
            found += [name, *attributes, *(str(v) for v in attributes.values())]
        return found


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    return getattr(value, kind) if kind else None


def _attributes(pairs: Any) -> dict[str, Any]:
    items: list[KeyValue] = list(pairs)
    return {pair.key: _value(pair.value) for pair in items}


def decode(body: bytes) -> list[ReceivedSpan]:
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        service = str(_attributes(resource_spans.resource.attributes).get("service.name", ""))
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    ReceivedSpan(
                        service=service,
                        name=span.name,
                        kind=span.kind,
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        attributes=_attributes(span.attributes),
                        events=tuple((e.name, _attributes(e.attributes)) for e in span.events),
                    )
                )
    return spans


class OtlpReceiver(ThreadedAiohttpServer):
    thread_name = "otlp-receiver"

    def __init__(self) -> None:
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self._lock = threading.Lock()
        self._bodies: list[bytes] = []
        self._spans: list[ReceivedSpan] = []

    @property
    def endpoint(self) -> str:
        """The value for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter adds `/v1/traces`)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def spans(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self._spans)

    @property
    def raw(self) -> bytes:
        """Every request body received, as sent (decompressed)."""
        with self._lock:
            return b"".join(self._bodies)

    def wait_for(
        self, found: Callable[[list[ReceivedSpan]], bool], *, within: float = 20.0
    ) -> list[ReceivedSpan]:
        """The spans received, once `found` holds for them (they come in batches, a moment later)."""
        deadline = time.monotonic() + within
        while not found(spans := self.spans):
            if time.monotonic() > deadline:
                names = sorted({(s.service, s.name) for s in spans})
                raise AssertionError(f"the spans wanted did not arrive within {within}s; got {names}")
            time.sleep(0.1)
        return spans

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/traces", self._traces)

    async def _traces(self, request: web.Request) -> web.Response:
        body = await request.read()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if request.content_type != PROTOBUF:
            return web.Response(status=415)
        spans = decode(body)
        with self._lock:
            self._bodies.append(body)
            self._spans.extend(spans)
        return web.Response(body=ExportTraceServiceResponse().SerializeToString(), content_type=PROTOBUF)


@contextmanager
def running_otlp_receiver() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()
