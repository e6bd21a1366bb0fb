"""Keys from the shop's own imported stock."""

import asyncio
from collections.abc import Sequence

from bitloot.application.errors import StorageUnavailable
from bitloot.application.ports.crypto import KeyVault
from bitloot.application.ports.repositories import StockAllocation
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.suppliers import SuppliedKey, SupplyRequest
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.errors import KeyIntegrityError
from bitloot.domain.keys import Envelope, KeyMaterial, StockKey, stock_key_context
from bitloot.domain.product import SupplierKind

# Blob reads in flight at once for one batch: enough to hide S3's latency, few enough not to queue in
# the HTTP client's connection pool.
READS_AT_ONCE = 16


class OwnStockSupplier:
    """Allocates units to the item in a transaction of its own, then opens their sealed blobs.

    The allocation is idempotent on the item (the repository returns units already given to it), so
    the same request after a crash yields the same units and their ids: no unit is taken twice, and
    the key id of each delivered key is its stock unit's id.
    """

    kind = SupplierKind.STOCK

    def __init__(self, uow: UnitOfWork, vault: KeyVault, store: SealedBlobStore) -> None:
        self._uow = uow
        self._vault = vault
        self._store = store

    async def obtain(self, request: SupplyRequest) -> list[SuppliedKey]:
        units = await self._uow.stock.allocate(
            request.product.id, request.order_id, request.item_id, request.quantity
        )
        await self._uow.commit()
        # Each unit's fingerprint was recorded at its import: delivering it adds none.
        return [SuppliedKey(unit.id, await self._open(unit), fingerprinted=True) for unit in units]

    async def obtain_many(self, requests: Sequence[SupplyRequest]) -> dict[str, list[SuppliedKey]]:
        """One allocation for all the items, committed, then every unit's blob read at once (at most
        `READS_AT_ONCE` at a time); an item out of stock, or one of whose units fails to open, is left
        out (its units stay allocated to it, as `obtain` would leave them)."""
        allocated = await self._uow.stock.allocate_many(
            [StockAllocation(r.product.id, r.order_id, r.item_id, r.quantity) for r in requests]
        )
        await self._uow.commit()
        reads = asyncio.Semaphore(READS_AT_ONCE)

        async def opened(units: list[StockKey]) -> list[SuppliedKey] | None:
            try:
                async with reads:
                    return [SuppliedKey(u.id, await self._open(u), fingerprinted=True) for u in units]
            except (KeyIntegrityError, StorageUnavailable):
                return None

        items = list(allocated)
        supplied = await asyncio.gather(*(opened(allocated[item_id]) for item_id in items))
        return {item_id: keys for item_id, keys in zip(items, supplied, strict=True) if keys is not None}

    async def _open(self, unit: StockKey) -> KeyMaterial:
        blob = await self._store.get(unit.blob_path)
        if blob is None:
            raise KeyIntegrityError
        envelope = Envelope(blob, unit.wrapped_key, unit.key_version, unit.blob_sha256)
        return self._vault.open(envelope, stock_key_context(unit.product_id, unit.id))
