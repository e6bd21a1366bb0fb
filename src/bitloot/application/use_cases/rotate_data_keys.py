"""Key rotation (docs/vault.md): rewrap every data key under the active master key version, in batches of
one transaction each, so a run that stops anywhere is finished by the next one; running it again
changes nothing more."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bitloot.application.batches import DEFAULT_BATCH_SIZE, check_batch
from bitloot.application.ports.crypto import KeyVault
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.errors import KeyIntegrityError
from bitloot.domain.keys import SealedKey, StockKey, order_key_context, stock_key_context

log = logging.getLogger(__name__)

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
        check_batch(batch_size, max_batches)
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
