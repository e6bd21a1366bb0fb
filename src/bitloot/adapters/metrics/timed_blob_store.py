"""A `SealedBlobStore` that times each operation (`bitloot_storage_seconds{op}`), failed ones too."""

import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from bitloot.application.ports.metrics import ShopMetrics, StorageOp
from bitloot.application.ports.storage import SealedBlobStore, StoredBlob

Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class TimedBlobStore:
    inner: SealedBlobStore
    metrics: ShopMetrics

    async def _timed(self, op: StorageOp, call: Awaitable[Result]) -> Result:
        started = time.perf_counter()
        try:
            return await call
        finally:
            self.metrics.storage_timed(op, time.perf_counter() - started)

    async def put(self, path: str, blob: bytes) -> None:
        await self._timed(StorageOp.PUT, self.inner.put(path, blob))

    async def get(self, path: str) -> bytes | None:
        return await self._timed(StorageOp.GET, self.inner.get(path))

    async def delete(self, path: str) -> None:
        await self._timed(StorageOp.DELETE, self.inner.delete(path))

    async def check(self) -> None:
        await self._timed(StorageOp.CHECK, self.inner.check())

    async def list_blobs(self, prefix: str, after: str, limit: int) -> list[StoredBlob]:
        return await self._timed(StorageOp.LIST, self.inner.list_blobs(prefix, after, limit))
