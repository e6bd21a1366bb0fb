"""Crypto-shredding (docs/vault.md): revealed keys past the retention period are made impossible to open, in
batches of one transaction each, so a run that stops anywhere is finished by the next one; running it
again changes nothing more."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bitloot.application.batches import DEFAULT_BATCH_SIZE, check_batch
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.errors import InvalidValue
from bitloot.domain.keys import SealedKey


@dataclass(slots=True)
class PurgeCounts:
    purged: int = 0
    # Own-stock units the purged keys came from, shredded with them.
    stock_units: int = 0
    batches: int = 0


class PurgeRevealedKeys:
    """Crypto-shred delivered keys past the retention period, so they can never be opened again.

    A key is purged when (1) its order was fulfilled more than `older_than` ago, and (2) at least one
    `revealed` audit event of that very key is more than `older_than` old: the customer has seen it,
    and did so before the retention period began. A key never revealed (only `tamper_detected` events,
    or none) is never purged. "More than `older_than` ago" is strictly before `now - older_than`.

    Per key, the blob is deleted first, then the wrapped data key is erased and `purged_at` set; a key
    from own stock has its stock unit (blob and wrapped key) shredded the same way. A run
    that stops between the two leaves a row whose blob is gone; the next run deletes the (missing) blob
    again and finishes the row. A reveal of a purged key answers `KeyPurged` (410 Gone)."""

    def __init__(self, uow: UnitOfWork, store: SealedBlobStore, clock: Clock) -> None:
        self._uow = uow
        self._store = store
        self._clock = clock

    async def execute(
        self,
        older_than: timedelta,
        batch_size: int = DEFAULT_BATCH_SIZE,
        *,
        max_batches: int | None = None,
        progress: Callable[[PurgeCounts], None] | None = None,
    ) -> PurgeCounts:
        check_batch(batch_size, max_batches)
        if older_than < timedelta(0):
            raise InvalidValue("The retention period cannot be negative.")
        counts = PurgeCounts()
        cutoff = self._clock.now() - older_than
        while max_batches is None or counts.batches < max_batches:
            keys = await self._uow.keys.purgeable(cutoff, batch_size)
            if not keys:
                await self._uow.rollback()
                break
            for key in keys:
                await self._shred(key, counts)
            await self._uow.commit()
            counts.batches += 1
            if progress is not None:
                progress(counts)
        return counts

    async def _shred(self, key: SealedKey, counts: PurgeCounts) -> None:
        # An own-stock key came from a stock unit (its id is the source key id) that holds the same key
        # sealed for the stock: that unit is shredded too, or the key could still be opened from it.
        unit = await self._uow.stock.allocated(key.source_key_id, key.item_id)
        await self._store.delete(key.blob_path)
        if unit is not None:
            await self._store.delete(unit.blob_path)
            if await self._uow.stock.erase(unit.id, key.item_id):
                counts.stock_units += 1
        if await self._uow.keys.mark_purged(key.id, self._clock.now()):
            counts.purged += 1
