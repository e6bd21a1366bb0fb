"""Sealing a supplied key into an order item (docs/vault.md): the steps fulfilment and key
replacement share, in their order. Seal it to order, item and a fresh key id; write the blob at a
fresh path; then record the key, uncommitted. The blob is written before the transaction that
records it commits, so the caller deletes the blob when that transaction fails, and a crash in
between leaves an unreferenced blob for the orphan sweeper: never a recorded key without its blob.
A fresh id and path per sealing mean that a run that lost a race never overwrites the blob of the
key that was recorded."""

from dataclasses import dataclass
from datetime import datetime

from bitloot.application.ports.crypto import KeyVault
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.suppliers import SuppliedKey
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.ids import new_id
from bitloot.domain.keys import Envelope, SealedKey, order_key_context, order_key_path


@dataclass(frozen=True, slots=True)
class Sealing:
    """A key sealed for one order item, its blob not yet written nor the key recorded. Holds no
    plaintext (the envelope's blob and wrapped key stay out of its repr)."""

    id: str
    order_id: str
    item_id: str
    product_id: str
    source_key_id: str
    content_type: str
    envelope: Envelope

    @property
    def path(self) -> str:
        return order_key_path(self.order_id, self.id)

    def sealed_key(self, created_at: datetime) -> SealedKey:
        return SealedKey(
            id=self.id,
            order_id=self.order_id,
            item_id=self.item_id,
            product_id=self.product_id,
            source_key_id=self.source_key_id,
            blob_path=self.path,
            wrapped_key=self.envelope.wrapped_key,
            key_version=self.envelope.key_version,
            blob_sha256=self.envelope.blob_sha256,
            content_type=self.content_type,
            created_at=created_at,
        )


class KeySealer:
    def __init__(self, uow: UnitOfWork, vault: KeyVault, store: SealedBlobStore) -> None:
        self._uow = uow
        self._vault = vault
        self._store = store

    def seal(
        self, order_id: str, item_id: str, product_id: str, key: SuppliedKey, sealed_id: str | None = None
    ) -> Sealing:
        """The key sealed under the id `sealed_id` (a fresh one when None); nothing written yet."""
        sealed_id = new_id() if sealed_id is None else sealed_id
        envelope = self._vault.seal(key.material, order_key_context(order_id, item_id, sealed_id))
        return Sealing(
            sealed_id, order_id, item_id, product_id, key.key_id, key.material.content_type, envelope
        )

    async def put(self, sealing: Sealing) -> None:
        """Writes the blob (`StorageUnavailable` in an outage); before the record is committed."""
        await self._store.put(sealing.path, sealing.envelope.blob)

    async def record(self, sealing: Sealing, at: datetime) -> bool:
        """Records the key in the open transaction; False (nothing written) when the item holds a
        key from the same source key already, whose blob is then the caller's to delete."""
        return await self._uow.keys.add(sealing.sealed_key(at))
