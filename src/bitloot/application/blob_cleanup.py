"""Deleting blobs no row will refer to, best effort."""

import logging
from collections.abc import Iterable

from bitloot.application.errors import StorageUnavailable
from bitloot.application.ports.storage import SealedBlobStore

log = logging.getLogger(__name__)


async def delete_quietly(store: SealedBlobStore, paths: Iterable[str]) -> None:
    """A blob left behind in an outage is unreferenced, never read, and harmless: the orphan sweeper
    deletes it later."""
    for path in paths:
        try:
            await store.delete(path)
        except StorageUnavailable:
            log.warning("blob %s left behind: storage unavailable", path)
