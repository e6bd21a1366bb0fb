"""Which sealed blobs the database still refers to (for the orphan sweeper)."""

from collections.abc import Sequence
from typing import Protocol


class BlobReferences(Protocol):
    """Reads inside the current unit of work, like every repository."""

    async def referenced(self, paths: Sequence[str]) -> set[str]:
        """Those of `paths` that a row names as its blob: a delivered key (purged or revoked ones too)
        or a stock unit, whatever its state. One query for the whole batch."""
        ...
