"""Sealed blobs as files in a local directory (the embedded default)."""

import asyncio
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import ParamSpec, TypeVar

from bitloot.application.errors import StorageUnavailable
from bitloot.application.ports.storage import StoredBlob

P = ParamSpec("P")
T = TypeVar("T")

_SAFE_PATH = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")
_SAFE_PREFIX = re.compile(r"^([A-Za-z0-9_-]+/)*[A-Za-z0-9_-]*$")


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

    async def list_blobs(self, prefix: str, after: str, limit: int) -> list[StoredBlob]:
        if not _SAFE_PREFIX.match(prefix):
            raise ValueError("A blob prefix is slash-separated letters, digits, '-' and '_'.")
        return await self._run(self._list, prefix, after, limit)

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

    def _list(self, prefix: str, after: str, limit: int) -> list[StoredBlob]:
        folder = prefix.rpartition("/")[0]
        start = self._root / folder if folder else self._root
        if folder and start.is_file():  # a blob, not a folder: nothing is under it
            return []
        found = _walk(start, folder, prefix, after)
        return [StoredBlob(path, modified_at) for path, modified_at in islice(found, max(limit, 0))]

    def _probe(self) -> None:
        """Writable now, or creatable by the first write; the probe itself changes nothing (a probe
        that made the folder would mend, behind the operator's back, what it is there to report)."""
        existing = self._root
        while not existing.exists() and existing != existing.parent:  # a write makes what is missing
            existing = existing.parent
        if not existing.is_dir() or not os.access(existing, os.W_OK):
            raise StorageUnavailable

    @staticmethod
    async def _run(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """File I/O off the event loop; any OS error is a storage outage."""
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except OSError as exc:
            raise StorageUnavailable from exc


def _walk(folder: Path, relative: str, prefix: str, after: str) -> Iterator[tuple[str, datetime]]:
    """The blobs under `folder` (at path `relative`) that start with `prefix` and sort after `after`, in
    the byte order of their paths, as S3 lists them: a folder `x` sorts as `x/`, so `x-1` comes before
    everything in `x`. A folder whose whole content sorts before `after` is skipped unread. Temporary
    files of writes in flight (dot names) are no blobs."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:  # nothing written there yet
        return
    ordered = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = f"{relative}/{entry.name}" if relative else entry.name
        is_folder = entry.is_dir(follow_symlinks=False)
        ordered.append((f"{path}/" if is_folder else path, path, entry, is_folder))
    ordered.sort(key=lambda each: each[0])
    for key, path, entry, is_folder in ordered:
        if is_folder:
            # Everything inside starts with `key`: skip it when that cannot match, or sorts before `after`.
            if not (key.startswith(prefix) or prefix.startswith(key)):
                continue
            if key < after and not after.startswith(key):
                continue
            yield from _walk(Path(entry.path), path, prefix, after)
        elif path.startswith(prefix) and path > after:
            try:
                modified = entry.stat(follow_symlinks=False).st_mtime
            except FileNotFoundError:  # deleted meanwhile
                continue
            yield path, datetime.fromtimestamp(modified, UTC)
