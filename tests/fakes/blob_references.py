"""Which blobs the in-memory database refers to: committed rows and this unit's staged ones."""

from collections.abc import Sequence

from tests.fakes.state import MemoryDatabase, StagingUnit


class MemoryBlobReferences:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
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
