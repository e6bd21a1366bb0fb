"""Keys bought from Kinguin (docs/suppliers.md), one Kinguin order per order item.

Idempotent on the item, also across crashes: the Kinguin order is looked up in our records first,
then at Kinguin by `orderExternalId` (= the item id: a worker may have died after Kinguin took the
order and before we recorded it), and only when neither has one is an order placed; its id is
recorded at once. Keys that are not all there yet raise `KeysNotReady`, for the fulfilment to be
tried again later (by the reconciler, or sooner by Kinguin's `order.status` webhook).
"""

import base64
import binascii
import hashlib
import logging

from bitloot.adapters.suppliers.kinguin.orders import KinguinClient, OrderLine
from bitloot.adapters.suppliers.kinguin.payload import RemoteKey, RemoteOrder
from bitloot.application.errors import ConcurrencyConflict, KeysNotReady, SupplierRefused
from bitloot.application.ports.suppliers import SuppliedKey, SupplyRequest
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.errors import InvalidValue
from bitloot.domain.keys import TEXT_KEY, KeyMaterial
from bitloot.domain.kinguin import DEAD_STATUSES, KinguinOrder, split_quantity
from bitloot.domain.product import SupplierKind

log = logging.getLogger(__name__)

# `SealedKey.source_key_id` holds at most 100 characters.
MAX_SOURCE_KEY_ID = 100


class KinguinSupplier:
    kind = SupplierKind.KINGUIN

    def __init__(self, uow: UnitOfWork, client: KinguinClient) -> None:
        self._uow = uow
        self._client = client

    async def obtain(self, request: SupplyRequest) -> list[SuppliedKey]:
        lines = _order_lines(request)
        record = await self._uow.kinguin_orders.get(request.item_id)
        # No transaction stays open while Kinguin is called (SQLite holds its write lock in one).
        await self._uow.commit()
        if record is None:
            record = await self._find_or_place(request, lines)
        if record.dead:
            raise SupplierRefused(f"Kinguin order {record.kinguin_order_id} was {record.status}.")
        keys = _unique(record.kinguin_order_id, await self._client.keys(record.kinguin_order_id))
        if len(keys) < request.quantity:
            remote = await self._client.get_order(record.kinguin_order_id)
            if remote.status in DEAD_STATUSES:
                raise SupplierRefused(f"Kinguin order {record.kinguin_order_id} was {remote.status}.")
            raise KeysNotReady(
                f"Kinguin order {record.kinguin_order_id}: {len(keys)} of {request.quantity} keys ready."
            )
        chosen = sorted(keys.items())[: request.quantity]
        return [SuppliedKey(key_id, _material(record, key)) for key_id, key in chosen]

    async def _find_or_place(self, request: SupplyRequest, lines: list[OrderLine]) -> KinguinOrder:
        """The item's Kinguin order: the one Kinguin already has (placed by a run that died before
        recording it), or a new one. Recorded before anything else happens."""
        remote = await self._client.find_order(request.item_id)
        if remote is None:
            remote = await self._client.place_order(request.item_id, lines)
            log.info("placed Kinguin order %s for item %s", remote.order_id, request.item_id)
        else:
            log.info("found Kinguin order %s for item %s", remote.order_id, request.item_id)
        return await self._record(request, remote)

    async def _record(self, request: SupplyRequest, remote: RemoteOrder) -> KinguinOrder:
        record = KinguinOrder(
            item_id=request.item_id,
            order_id=request.order_id,
            kinguin_order_id=remote.order_id,
            status=remote.status,
            updated_at=remote.updated_at,
        )
        try:
            await self._uow.kinguin_orders.add(record)
            await self._uow.commit()
        except ConcurrencyConflict:
            # Recorded meanwhile (a webhook about this very order, say): what is recorded wins.
            await self._uow.rollback()
            existing = await self._uow.kinguin_orders.get(request.item_id)
            await self._uow.rollback()
            if existing is None:
                raise
            if existing.kinguin_order_id != record.kinguin_order_id:
                log.warning(
                    "item %s: Kinguin order %s is recorded, %s was found too",
                    request.item_id,
                    existing.kinguin_order_id,
                    record.kinguin_order_id,
                )
            return existing
        return record


def _order_lines(request: SupplyRequest) -> list[OrderLine]:
    product = request.product
    if not product.supplier_product_id:
        raise SupplierRefused(f"Product {product.sku} has no Kinguin product id.")
    try:
        quantities = split_quantity(request.quantity)
    except InvalidValue as exc:
        raise SupplierRefused(str(exc)) from None
    return [OrderLine(product.supplier_product_id, qty, product.price.amount) for qty in quantities]


def _unique(kinguin_order_id: str, keys: list[RemoteKey]) -> dict[str, RemoteKey]:
    """Keys by a stable id: Kinguin's own, or a hash of order, type and serial when it sent none (a
    key that appears twice, on two pages say, counts once)."""
    found: dict[str, RemoteKey] = {}
    for key in keys:
        if key.key_id is not None and len(key.key_id) <= MAX_SOURCE_KEY_ID - 3:
            key_id = f"kg:{key.key_id}"
        else:
            material = f"{kinguin_order_id}|{key.key_id or ''}|{key.content_type}|{key.serial}"
            key_id = "kh:" + hashlib.sha256(material.encode("utf-8")).hexdigest()
        found.setdefault(key_id, key)
    return found


def _material(record: KinguinOrder, key: RemoteKey) -> KeyMaterial:
    """A text key as its text; an image key as the bytes of its base64 serial."""
    refused = f"Kinguin order {record.kinguin_order_id} sent a key that cannot be delivered"
    try:
        if key.content_type == TEXT_KEY or key.content_type.startswith("text/"):
            return KeyMaterial.text(key.serial)
        if key.content_type.startswith("image/"):
            raw = base64.b64decode("".join(key.serial.split()), validate=True)
            return KeyMaterial(raw, key.content_type[:64])
    except (InvalidValue, binascii.Error, ValueError):
        raise SupplierRefused(f"{refused} (unreadable {key.content_type[:32]} key).") from None
    raise SupplierRefused(f"{refused} (type {key.content_type[:32]!r}).")
