"""Which blobs the in-memory database refers to: committed rows and this unit's staged ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bitloot.adapters.memory.database import MemoryDatabase

if TYPE_CHECKING:
    from bitloot.adapters.memory.unit_of_work import InMemoryUnitOfWork


class MemoryBlobReferences:
    def __init__(self, db: MemoryDatabase, uow: InMemoryUnitOfWork) -> None:
        self._db = db
        self._uow = uow

    async def referenced(self, paths: Sequence[str]) -> set[str]:
        staged = self._uow.staged
        named = {
            row.blob_path
            for rows in (self._db.keys, self._db.stock, staged.keys, staged.stock)
            for row in rows.values()
        }
        return named.intersection(paths)
