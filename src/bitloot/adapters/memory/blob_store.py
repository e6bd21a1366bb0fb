"""Sealed blobs in a dict."""

from bitloot.application.errors import StorageUnavailable


class InMemoryBlobStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        # Set to make every call fail as an outage would.
        self.unavailable = False

    async def put(self, path: str, blob: bytes) -> None:
        self._raise_if_down()
        self.blobs[path] = bytes(blob)

    async def get(self, path: str) -> bytes | None:
        self._raise_if_down()
        return self.blobs.get(path)

    async def delete(self, path: str) -> None:
        self._raise_if_down()
        self.blobs.pop(path, None)

    async def check(self) -> None:
        self._raise_if_down()

    def _raise_if_down(self) -> None:
        if self.unavailable:
            raise StorageUnavailable
