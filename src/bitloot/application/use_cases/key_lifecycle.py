"""Key lifecycle (SPEC §8): rotate every data key to the active master key version, and crypto-shred
revealed keys past the retention period. Both work in batches, one transaction each, so a run that
stops anywhere is finished by the next one; running either again changes nothing more."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, TypeVar

from bitloot.application.ports.clock import Clock
from bitloot.application.ports.crypto import KeyVault
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.errors import InvalidValue, KeyIntegrityError
from bitloot.domain.keys import SealedKey, StockKey, order_key_context, stock_key_context

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200

_Key = TypeVar("_Key", SealedKey, StockKey)


class _Rewrappable(Protocol[_Key]):
    async def wrapped_elsewhere(self, active_version: int, after_id: str, limit: int) -> list[_Key]: ...

    async def rewrap(self, key_id: str, old_version: int, wrapped_key: bytes, key_version: int) -> bool: ...


@dataclass(slots=True)
class RotationCounts:
    """What a rotation did. `failed` keys could not be unwrapped (an unknown version, a damaged wrapped
    key): they keep their old wrapping and are logged by id. `skipped` changed meanwhile (a concurrent
    run rewrapped them first)."""

    active_version: int
    sealed: int = 0
    stock: int = 0
    failed: int = 0
    skipped: int = 0
    batches: int = 0

    @property
    def rewrapped(self) -> int:
        return self.sealed + self.stock


@dataclass(slots=True)
class PurgeCounts:
    purged: int = 0
    # Own-stock units the purged keys came from, shredded with them.
    stock_units: int = 0
    batches: int = 0


def _check_batch(batch_size: int, max_batches: int | None) -> None:
    if batch_size < 1 or (max_batches is not None and max_batches < 1):
        raise InvalidValue("The batch size and the number of batches are at least 1.")


class RotateDataKeys:
    """Rewrap every data key (delivered keys and stock units) under the vault's active master key
    version. Blobs are neither read nor written: only the wrapped key and its version change.

    Rows still wrapped under another version are read in pages by id (`batch_size` each, one
    transaction per page); an interrupted run leaves every row either rotated or not, and the next run
    picks up the ones that are not. Each row is updated only if it still has the version it was read
    at. Key material is never logged."""

    def __init__(self, uow: UnitOfWork, vault: KeyVault) -> None:
        self._uow = uow
        self._vault = vault

    async def execute(
        self,
        batch_size: int = DEFAULT_BATCH_SIZE,
        *,
        max_batches: int | None = None,
        progress: Callable[[RotationCounts], None] | None = None,
    ) -> RotationCounts:
        """Rotate, at most `max_batches` batches (all when None); `progress` sees the counts after each."""
        _check_batch(batch_size, max_batches)
        counts = RotationCounts(active_version=self._vault.active_version)
        for kind in ("sealed", "stock"):
            if not await self._rotate(kind, batch_size, max_batches, counts, progress):
                break
        return counts

    async def _rotate(
        self,
        kind: str,
        batch_size: int,
        max_batches: int | None,
        counts: RotationCounts,
        progress: Callable[[RotationCounts], None] | None,
    ) -> bool:
        """Rotate one table; False when `max_batches` stopped it before the end."""
        after = ""
        while True:
            if max_batches is not None and counts.batches >= max_batches:
                return False
            repository: _Rewrappable[SealedKey] | _Rewrappable[StockKey] = (
                self._uow.keys if kind == "sealed" else self._uow.stock
            )
            rows: Sequence[SealedKey | StockKey] = await repository.wrapped_elsewhere(
                counts.active_version, after, batch_size
            )
            if not rows:
                await self._uow.rollback()
                return True
            for row in rows:
                await self._rewrap(row, counts)
            await self._uow.commit()
            counts.batches += 1
            after = rows[-1].id
            if progress is not None:
                progress(counts)

    async def _rewrap(self, row: SealedKey | StockKey, counts: RotationCounts) -> None:
        sealed = isinstance(row, SealedKey)
        if isinstance(row, SealedKey):
            context = order_key_context(row.order_id, row.item_id, row.id)
        else:
            context = stock_key_context(row.product_id, row.id)
        try:
            wrapped, version = self._vault.rewrap(row.wrapped_key, row.key_version, context)
        except KeyIntegrityError:
            counts.failed += 1
            log.error(
                "%s key %s (version %d) could not be unwrapped; left as it is",
                "delivered" if sealed else "stock",
                row.id,
                row.key_version,
            )
            return
        repository = self._uow.keys if sealed else self._uow.stock
        if not await repository.rewrap(row.id, row.key_version, wrapped, version):
            counts.skipped += 1
        elif sealed:
            counts.sealed += 1
        else:
            counts.stock += 1


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
        _check_batch(batch_size, max_batches)
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
