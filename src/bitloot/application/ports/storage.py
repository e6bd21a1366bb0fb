"""Object storage for sealed blobs."""

from typing import Protocol


class SealedBlobStore(Protocol):
    """Keeps sealed blobs by path. Every failure of the backing store raises `StorageUnavailable`;
    a missing blob is `None` on `get`. `put` of the same path twice keeps the last bytes."""

    async def put(self, path: str, blob: bytes) -> None: ...

    async def get(self, path: str) -> bytes | None: ...

    async def delete(self, path: str) -> None: ...

    async def check(self) -> None:
        """Raise `StorageUnavailable` unless the store answers now."""
        ...
