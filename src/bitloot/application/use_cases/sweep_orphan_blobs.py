"""Delete sealed blobs that no row refers to.

A blob is written before the row that names it commits, so some are left behind: a worker that lost
the race for an item, or died between writing a blob and committing, and an import that crashed after
writing its blobs. Such a blob can never be opened (its data key was never stored), but it is clutter
and cost. Every reconciler round may run this, rate-limited by the caller.

Only a blob older than `ORPHAN_AGE` is ever deleted: a younger one may belong to a transaction that is
about to commit its row. An hour is far beyond a fulfillment lease (10 seconds, renewed while held)
or an import.

Each run goes through at most `pages_per_run` pages of the store and says where to go on, so one run
costs a bounded number of listings and one query per page; a page whose blobs are all young costs no
query at all, and nothing is ever written to the database.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from bitloot.application.ports.clock import Clock
from bitloot.application.ports.storage import SealedBlobStore, StoredBlob
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.keys import BLOB_PREFIXES

log = logging.getLogger(__name__)

ORPHAN_AGE: Final = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SweepSettings:
    page_size: int = 500
    # A run lists at most this many pages; the next run goes on where it stopped.
    pages_per_run: int = 20


@dataclass(frozen=True, slots=True)
class SweepReport:
    listed: int
    deleted: int
    # Where the next run goes on: the last path looked at, or "" when this run reached the end.
    resume_after: str


class SweepOrphanBlobs:
    def __init__(
        self, uow: UnitOfWork, store: SealedBlobStore, clock: Clock, settings: SweepSettings
    ) -> None:
        self._uow = uow
        self._store = store
        self._clock = clock
        self._settings = settings

    async def execute(self, resume_after: str = "") -> SweepReport:
        """Go through the blobs under each of `BLOB_PREFIXES` in turn, from `resume_after` (`""`: from
        the start), deleting those older than `ORPHAN_AGE` that no row names."""
        listed = deleted = pages = 0
        cursor = resume_after
        for prefix in BLOB_PREFIXES:
            if cursor > prefix and not cursor.startswith(prefix):
                continue  # done in an earlier run
            after = cursor if cursor.startswith(prefix) else ""
            while True:
                if pages == self._settings.pages_per_run:
                    return _report(listed, deleted, resume_after=cursor)
                page = await self._store.list_blobs(prefix, after, self._settings.page_size)
                pages += 1
                listed += len(page)
                deleted += await self._sweep(page)
                if page:
                    after = cursor = page[-1].path
                if len(page) < self._settings.page_size:
                    break
        return _report(listed, deleted, resume_after="")

    async def _sweep(self, page: Sequence[StoredBlob]) -> int:
        cutoff = self._clock.now() - ORPHAN_AGE
        # Strictly older than `ORPHAN_AGE`: never a blob a transaction may still be about to record.
        old = [blob.path for blob in page if blob.modified_at < cutoff]
        if not old:
            return 0
        referenced = await self._uow.blob_references.referenced(old)
        # End the reading transaction before the slow part (on SQLite it holds the write lock).
        await self._uow.rollback()
        orphans = [path for path in old if path not in referenced]
        for path in orphans:
            await self._store.delete(path)
        return len(orphans)


def _report(listed: int, deleted: int, resume_after: str) -> SweepReport:
    if deleted:
        log.info("deleted %d orphaned sealed blob(s) of %d listed", deleted, listed)
    return SweepReport(listed, deleted, resume_after)
