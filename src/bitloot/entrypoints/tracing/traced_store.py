"""Spans around the sealed-blob store's calls. No OpenTelemetry instrumentation reaches the S3
store's aiohttp session, so the store is traced at its port, whichever it is (S3, or the local
folder). A span names the operation only: no bucket, path or byte of a blob."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from opentelemetry.trace import SpanKind, Tracer

from bitloot.application.ports.storage import SealedBlobStore, StoredBlob

OPERATION = "bitloot.storage.operation"
BACKEND = "bitloot.storage.backend"


def _backend_of(store: object) -> str:
    """The class of the store under any wrappers that expose what they wrap as `inner` (the metrics'
    timing wrapper does)."""
    while (inner := getattr(store, "inner", None)) is not None:
        store = inner
    return type(store).__name__


class TracedBlobStore:
    def __init__(self, inner: SealedBlobStore, tracer: Tracer) -> None:
        self._inner = inner
        self._tracer = tracer
        self._backend = _backend_of(inner)

    def __repr__(self) -> str:
        return f"TracedBlobStore({self._inner!r})"

    @asynccontextmanager
    async def _span(self, operation: str) -> AsyncIterator[None]:
        # A failure is recorded with its type and message: the store's errors name no key or path.
        with self._tracer.start_as_current_span(
            f"storage {operation}",
            kind=SpanKind.CLIENT,
            attributes={OPERATION: operation, BACKEND: self._backend},
        ):
            yield

    async def put(self, path: str, blob: bytes) -> None:
        async with self._span("put"):
            await self._inner.put(path, blob)

    async def get(self, path: str) -> bytes | None:
        async with self._span("get"):
            return await self._inner.get(path)

    async def delete(self, path: str) -> None:
        async with self._span("delete"):
            await self._inner.delete(path)

    async def check(self) -> None:
        async with self._span("check"):
            await self._inner.check()

    async def list_blobs(self, prefix: str, after: str, limit: int) -> list[StoredBlob]:
        async with self._span("list"):
            return await self._inner.list_blobs(prefix, after, limit)
