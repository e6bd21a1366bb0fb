"""Object storage for sealed blobs."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredBlob:
    """A blob as the store lists it: its path and when it was last written (by the store's clock)."""

    path: str
    modified_at: datetime


class SealedBlobStore(Protocol):
    """Keeps sealed blobs by path. Every failure of the backing store raises `StorageUnavailable`;
    a missing blob is `None` on `get`. `put` of the same path twice keeps the last bytes."""

    async def put(self, path: str, blob: bytes) -> None: ...

    async def get(self, path: str) -> bytes | None: ...

    async def delete(self, path: str) -> None: ...

    async def check(self) -> None:
        """Raise `StorageUnavailable` unless the store answers now."""
        ...

    async def list_blobs(self, prefix: str, after: str, limit: int) -> list[StoredBlob]:
        """One page of the blobs whose path starts with `prefix`, by path, at most `limit`: fewer only
        when no more are left. `after` is `""` for the first page, then the last path of the page
        before. `modified_at` is an aware UTC datetime.

        The order is S3's byte order wherever no name is a prefix of a sibling's (`a` and `a-b`), which
        blob paths, made of fixed-length ids, never are; stores built on folders (SeaweedFS, the local
        folder) may list such siblings in folder order."""
        ...
