"""Sealed blobs in a dict."""

from datetime import datetime

from bitloot.adapters.clock import SystemClock
from bitloot.application.errors import StorageUnavailable
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.storage import StoredBlob


class InMemoryBlobStore:
    def __init__(self, clock: Clock | None = None) -> None:
        self.blobs: dict[str, bytes] = {}
        # When each blob was last written, by `clock` (the system clock by default).
        self.modified: dict[str, datetime] = {}
        # Set to make every call fail as an outage would.
        self.unavailable = False
        self._clock: Clock = clock or SystemClock()

    async def put(self, path: str, blob: bytes) -> None:
        self._raise_if_down()
        self.blobs[path] = bytes(blob)
        self.modified[path] = self._clock.now()

    async def get(self, path: str) -> bytes | None:
        self._raise_if_down()
        return self.blobs.get(path)

    async def delete(self, path: str) -> None:
        self._raise_if_down()
        self.blobs.pop(path, None)
        self.modified.pop(path, None)

    async def check(self) -> None:
        self._raise_if_down()

    async def list_blobs(self, prefix: str, after: str, limit: int) -> list[StoredBlob]:
        self._raise_if_down()
        paths = sorted(p for p in self.blobs if p.startswith(prefix) and p > after)[: max(limit, 0)]
        # A blob put around this store (straight into `blobs`) counts as written now.
        return [StoredBlob(p, self.modified.get(p) or self._clock.now()) for p in paths]

    def _raise_if_down(self) -> None:
        if self.unavailable:
            raise StorageUnavailable


class StoreThatDiesAfter(InMemoryBlobStore):
    """Accepts `puts` writes, then refuses every write (`StorageUnavailable`) until `puts_left` is
    raised again: storage that fails between writing blobs and recording them."""

    def __init__(self, puts: int) -> None:
        super().__init__()
        self.puts_left = puts

    async def put(self, path: str, blob: bytes) -> None:
        if self.puts_left == 0:
            raise StorageUnavailable
        self.puts_left -= 1
        await super().put(path, blob)
