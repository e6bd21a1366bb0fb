"""Which blobs the SQL database refers to (the `BlobReferences` port): one UNION over every table
that names a blob, each side served by its `blob_path` index (migration 0008)."""

from collections.abc import Sequence

from sqlalchemy import select, union

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.catalog import STOCK_KEYS
from bitloot.adapters.persistence.sqla.tables.sealed_keys import SEALED_KEYS


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
