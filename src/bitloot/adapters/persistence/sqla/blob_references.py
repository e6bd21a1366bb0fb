"""Which blobs the SQL database refers to: one UNION over every table that names a blob, each side
served by its `blob_path` index (migration 0008)."""

from collections.abc import Sequence

from sqlalchemy import select, union

from bitloot.adapters.persistence.sqla.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables import SEALED_KEYS, STOCK_KEYS


class SqlaBlobReferences(SqlRepository):
    async def referenced(self, paths: Sequence[str]) -> set[str]:
        if not paths:
            return set()
        wanted = list(paths)
        query = union(
            select(SEALED_KEYS.c.blob_path).where(SEALED_KEYS.c.blob_path.in_(wanted)),
            select(STOCK_KEYS.c.blob_path).where(STOCK_KEYS.c.blob_path.in_(wanted)),
        )
        return set((await self._execute(query)).scalars())
