"""The operator imports keys into own stock; each is sealed before it is stored."""

from dataclasses import dataclass

from bitloot.application.errors import NotFound
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.crypto import KeyVault
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.errors import InvalidValue
from bitloot.domain.ids import new_id
from bitloot.domain.keys import KeyMaterial, StockKey, stock_key_context, stock_key_path
from bitloot.domain.product import SupplierKind

MAX_KEYS_PER_IMPORT = 1000


@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: int
    available: int


class ImportStock:
    def __init__(self, uow: UnitOfWork, vault: KeyVault, store: SealedBlobStore, clock: Clock) -> None:
        self._uow = uow
        self._vault = vault
        self._store = store
        self._clock = clock

    async def execute(self, product_id: str, keys: list[str]) -> ImportResult:
        """Blobs are written before the rows that point at them, so a crash leaves at worst an
        unreferenced blob, never a row without its blob."""
        product = await self._uow.products.get(product_id)
        if product is None:
            raise NotFound("No such product.")
        if product.supplier is not SupplierKind.STOCK:
            raise InvalidValue("Keys are imported only for own-stock products.")
        materials = [KeyMaterial.text(key) for key in keys if key.strip()]
        if not materials or len(materials) > MAX_KEYS_PER_IMPORT:
            raise InvalidValue(f"Import between 1 and {MAX_KEYS_PER_IMPORT} non-empty keys at once.")
        now = self._clock.now()
        rows = []
        for material in materials:
            key_id = new_id()
            envelope = self._vault.seal(material, stock_key_context(product.id, key_id))
            path = stock_key_path(product.id, key_id)
            await self._store.put(path, envelope.blob)
            rows.append(
                StockKey(
                    id=key_id,
                    product_id=product.id,
                    blob_path=path,
                    wrapped_key=envelope.wrapped_key,
                    key_version=envelope.key_version,
                    blob_sha256=envelope.blob_sha256,
                    content_type=material.content_type,
                    created_at=now,
                )
            )
        await self._uow.stock.add_many(rows)
        await self._uow.commit()
        return ImportResult(imported=len(rows), available=await self._uow.stock.count_available(product.id))
