"""Sealed blobs as files in a local directory (the embedded default)."""

import asyncio
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from bitloot.application.errors import StorageUnavailable

P = ParamSpec("P")
T = TypeVar("T")

_SAFE_PATH = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")


class LocalDirectoryBlobStore:
    """Writes go to a temporary file that is renamed into place, so a blob is whole or absent."""

    def __init__(self, root: Path) -> None:
        self._root = root

    async def put(self, path: str, blob: bytes) -> None:
        await self._run(self._write, self._file(path), blob)

    async def get(self, path: str) -> bytes | None:
        return await self._run(self._read, self._file(path))

    async def delete(self, path: str) -> None:
        await self._run(self._file(path).unlink, missing_ok=True)

    async def check(self) -> None:
        await self._run(self._probe)

    def _file(self, path: str) -> Path:
        if not _SAFE_PATH.match(path):
            raise ValueError("A blob path is slash-separated letters, digits, '-' and '_'.")
        return self._root / path

    @staticmethod
    def _write(target: Path, blob: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(target)

    @staticmethod
    def _read(target: Path) -> bytes | None:
        try:
            return target.read_bytes()
        except FileNotFoundError:
            return None

    def _probe(self) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        if not os.access(self._root, os.W_OK):
            raise StorageUnavailable("The key directory is not writable.")

    @staticmethod
    async def _run(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """File I/O off the event loop; any OS error is a storage outage."""
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except OSError as exc:
            raise StorageUnavailable from exc
