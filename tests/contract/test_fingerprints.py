"""Key fingerprints on every adapter (docs/stock-integrity.md): a value is recorded once, race-free across
sessions; what holds a refused key is told; the keys of an older database are fingerprinted by a resumable
pass that reports the keys found twice."""

import asyncio
from dataclasses import replace

import pytest

from bitloot.adapters.crypto.aes_gcm_vault import AesGcmKeyVault
from bitloot.adapters.crypto.hmac_fingerprints import HmacKeyFingerprints
from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.application.errors import StorageUnavailable
from bitloot.application.use_cases.fingerprint_existing_keys import FingerprintExistingKeys
from bitloot.application.use_cases.import_stock import ImportStock, RefusalReason
from bitloot.domain.fingerprints import KeyFingerprint
from bitloot.domain.ids import new_id
from bitloot.domain.keys import (
    KeyMaterial,
    StockKey,
    order_key_context,
    order_key_path,
    stock_key_context,
    stock_key_path,
)
from bitloot.domain.order import Order
from bitloot.domain.product import Product
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    T0,
    make_item,
    make_order,
    make_product,
    make_sealed_key,
    make_stock,
    store,
)
from tests.factories.domain import SealedKeyFactory, StockKeyFactory
from tests.fakes.blob_store import InMemoryBlobStore
from tests.fakes.clock import FrozenClock
from tests.support.actors import CLI

SECRET = b"contract-fingerprint-secret-0123"


def fingerprint(value: str, product: Product, **holder: str) -> KeyFingerprint:
    return KeyFingerprint(value.ljust(64, "0"), product.id, T0, **holder)


async def stocked(uow_factory: UowFactory, units: int = 2) -> tuple[Product, Order, list[StockKey]]:
    product = make_product()
    order = make_order(make_item(product))
    keys = make_stock(product, units)
    uow = uow_factory()
    await store(uow, products=[product], orders=[order])
    if keys:
        await uow.stock.add_many(keys)
        await uow.commit()
    return product, order, sorted(keys, key=lambda unit: unit.id)


async def test_a_value_is_recorded_once_and_a_repeat_is_told_what_holds_it(uow_factory: UowFactory) -> None:
    product, order, units = await stocked(uow_factory)
    uow = uow_factory()
    assert await uow.fingerprints.add_many([fingerprint("a1", product, stock_key_id=units[0].id)]) == {}
    await uow.commit()

    uow = uow_factory()
    refused = await uow.fingerprints.add_many(
        [
            fingerprint("a1", product, stock_key_id=units[1].id),
            fingerprint("b2", product, stock_key_id=units[1].id),
        ]
    )
    await uow.commit()
    assert list(refused) == ["a1".ljust(64, "0")]
    held = refused["a1".ljust(64, "0")]
    assert (held.stock_key_id, held.product_id, held.delivered) == (units[0].id, product.id, False)
    assert held.created_at == T0

    # Once the unit is sold, the same key is a delivered one.
    uow = uow_factory()
    allocated = await uow.stock.allocate(product.id, order.id, order.items[0].id, 1)
    await uow.commit()
    assert [u.id for u in allocated] == [units[0].id]
    uow = uow_factory()
    again = await uow.fingerprints.add_many([fingerprint("a1", product, stock_key_id=new_id())])
    await uow.rollback()
    held = again["a1".ljust(64, "0")]
    assert (held.delivered, held.order_id, held.item_id) == (True, order.id, order.items[0].id)


async def test_a_delivered_key_names_its_order_item_and_source(uow_factory: UowFactory) -> None:
    product, order, _ = await stocked(uow_factory, 0)
    item = order.items[0]
    sealed_id = new_id()
    uow = uow_factory()
    delivered = fingerprint(
        "c3", product, sealed_key_id=sealed_id, order_id=order.id, item_id=item.id, source_key_id="kg:77"
    )
    assert await uow.fingerprints.add_many([delivered]) == {}
    # Refused within the same transaction too.
    assert set(await uow.fingerprints.add_many([fingerprint("c3", product, stock_key_id=new_id())])) == {
        delivered.value
    }
    await uow.commit()

    uow = uow_factory()
    held = (await uow.fingerprints.add_many([replace(delivered, sealed_key_id=new_id())]))[delivered.value]
    await uow.rollback()
    assert (held.sealed_key_id, held.order_id, held.item_id, held.source_key_id) == (
        sealed_id,
        order.id,
        item.id,
        "kg:77",
    )
    assert held.describe() == f"delivered key {sealed_id} of order {order.id}"


async def test_a_rolled_back_fingerprint_is_not_recorded(uow_factory: UowFactory) -> None:
    product, _, units = await stocked(uow_factory, 1)
    uow = uow_factory()
    await uow.fingerprints.add_many([fingerprint("d4", product, stock_key_id=units[0].id)])
    await uow.rollback()

    uow = uow_factory()
    assert await uow.fingerprints.add_many([fingerprint("d4", product, stock_key_id=units[0].id)]) == {}
    await uow.commit()


async def test_records_without_a_fingerprint_are_listed_by_id(uow_factory: UowFactory) -> None:
    product, order, units = await stocked(uow_factory, 3)
    item = order.items[0]
    uow = uow_factory()
    from_stock = await uow.stock.allocate(product.id, order.id, item.id, 1)
    await uow.keys.add(make_sealed_key(order, item, source_key_id=from_stock[0].id))
    kinguin_key = make_sealed_key(order, item, source_key_id="kg:1")
    purged_key = make_sealed_key(order, item, source_key_id="kg:2")
    await uow.keys.add(kinguin_key)
    await uow.keys.add(purged_key)
    await uow.keys.mark_purged(purged_key.id, T0)
    await uow.fingerprints.add_many([fingerprint("e5", product, stock_key_id=units[1].id)])
    await uow.commit()

    uow = uow_factory()
    without = [u.id for u in await uow.fingerprints.stock_without("", 10)]
    first_page = await uow.fingerprints.stock_without("", 1)
    after_first = await uow.fingerprints.stock_without(first_page[0].id, 10)
    deliveries = [k.id for k in await uow.fingerprints.deliveries_without("", 10)]
    past_it = await uow.fingerprints.deliveries_without(kinguin_key.id, 10)
    await uow.rollback()

    assert without == sorted({u.id for u in units} - {units[1].id})
    assert [u.id for u in first_page + after_first] == without
    # Own-stock deliveries are covered by their unit; purged keys cannot be opened any more.
    assert deliveries == [kinguin_key.id]
    assert past_it == []


class SlowStore(InMemoryBlobStore):
    """Puts take a moment, so two imports really overlap."""

    async def put(self, path: str, blob: bytes) -> None:
        await asyncio.sleep(0.02)
        await super().put(path, blob)


def importer(uow_factory: UowFactory, blobs: InMemoryBlobStore, vault: AesGcmKeyVault) -> ImportStock:
    return ImportStock(uow_factory(), vault, blobs, FrozenClock(), HmacKeyFingerprints(SECRET))


async def test_two_concurrent_imports_of_one_key_make_one_unit(uow_factory: UowFactory) -> None:
    """Two sessions import the same keys at the same time (another product's import among them): every
    key becomes one unit, and each line is refused by exactly one of the imports."""
    product, other = make_product(), make_product()
    await store(uow_factory(), products=[product, other])
    blobs, vault = SlowStore(), AesGcmKeyVault(MasterKeyring.generate())
    keys = [f"RACE-{n}-{new_id()}" for n in range(4)]

    results = await asyncio.gather(
        importer(uow_factory, blobs, vault).execute(product.id, keys, CLI),
        importer(uow_factory, blobs, vault).execute(product.id, keys, CLI),
        importer(uow_factory, blobs, vault).execute(other.id, list(reversed(keys)), CLI),
    )

    assert sum(result.imported for result in results) == len(keys)
    assert sum(len(result.refused) for result in results) == 2 * len(keys)
    assert {r.reason for result in results for r in result.refused} == {RefusalReason.IN_STOCK}
    uow = uow_factory()
    counted = await uow.stock.count_available(product.id) + await uow.stock.count_available(other.id)
    await uow.rollback()
    assert counted == len(keys)
    # The losers' blobs were deleted: each blob left is a unit's.
    assert len(blobs.blobs) == len(keys)


# --- fingerprinting an older database -------------------------------------------------------------------


class FailingAfter(InMemoryBlobStore):
    """Storage that goes down after `reads` reads (a run interrupted midway)."""

    def __init__(self, blobs: dict[str, bytes], reads: int) -> None:
        super().__init__()
        self.blobs = blobs
        self._reads = reads

    async def get(self, path: str) -> bytes | None:
        if self._reads <= 0:
            raise StorageUnavailable
        self._reads -= 1
        return await super().get(path)


async def test_an_older_database_where_two_units_share_a_key_is_fingerprinted_and_reported(
    uow_factory: UowFactory,
) -> None:
    """Keys imported before fingerprints existed: two units (of two products) hold one key, and a key
    Kinguin delivered equals a third unit."""
    vault, blobs = AesGcmKeyVault(MasterKeyring.generate()), InMemoryBlobStore()
    product, other = make_product(), make_product()
    order = make_order(make_item(other))
    item = order.items[0]
    await store(uow_factory(), products=[product, other], orders=[order])

    async def unit(of: Product, key: str) -> StockKey:
        unit_id = new_id()
        envelope = vault.seal(KeyMaterial.text(key), stock_key_context(of.id, unit_id))
        await blobs.put(stock_key_path(of.id, unit_id), envelope.blob)
        return StockKeyFactory.build(
            id=unit_id, product_id=of.id, wrapped_key=envelope.wrapped_key, blob_sha256=envelope.blob_sha256
        )

    shared_a, plain, shared_b, twin = (
        await unit(product, "OLD-SHARED"),
        await unit(product, "OLD-PLAIN"),
        await unit(other, "OLD-SHARED"),
        await unit(other, "OLD-KINGUIN"),
    )
    sealed_id = new_id()
    envelope = vault.seal(KeyMaterial.text("OLD-KINGUIN"), order_key_context(order.id, item.id, sealed_id))
    await blobs.put(order_key_path(order.id, sealed_id), envelope.blob)
    delivered = SealedKeyFactory.build(
        id=sealed_id,
        order_id=order.id,
        item_id=item.id,
        product_id=other.id,
        source_key_id="kg:old",
        wrapped_key=envelope.wrapped_key,
        blob_sha256=envelope.blob_sha256,
    )
    uow = uow_factory()
    await uow.stock.add_many([shared_a, plain, shared_b, twin])
    assert await uow.keys.add(delivered)
    await uow.commit()

    def backfill(store_: InMemoryBlobStore) -> FingerprintExistingKeys:
        return FingerprintExistingKeys(
            uow_factory(), vault, store_, HmacKeyFingerprints(SECRET), FrozenClock()
        )

    # Interrupted after two keys were read; the next run finishes the work.
    with pytest.raises(StorageUnavailable):
        await backfill(FailingAfter(blobs.blobs, reads=2)).execute(batch_size=1)
    counts = await backfill(blobs).execute(batch_size=1)
    first_ids = sorted([shared_a.id, shared_b.id])

    assert counts.unreadable == 0
    # Three key strings, each fingerprinted once over the two runs; left without one: the second of
    # the shared units, and the delivered key (its twin unit came first).
    uow = uow_factory()
    left = [u.id for u in await uow.fingerprints.stock_without("", 10)]
    left_delivered = [k.id for k in await uow.fingerprints.deliveries_without("", 10)]
    await uow.rollback()
    assert left == [first_ids[1]] or left == [first_ids[0]]
    assert left_delivered == [sealed_id]
    assert len(counts.shared) == 2
    assert not any("OLD-" in p.duplicate + p.holder for p in counts.shared)
    pairs = {frozenset((p.duplicate, p.holder)) for p in counts.shared}
    assert (
        frozenset((f"stock unit {first_ids[0]}, in stock", f"stock unit {first_ids[1]}, in stock")) in pairs
    )
    assert (
        frozenset((f"delivered key {sealed_id} of order {order.id}", f"stock unit {twin.id}, in stock"))
        in pairs
    )

    # Idempotent: nothing more to record, the same keys still reported.
    again = await backfill(blobs).execute(batch_size=10)
    assert again.recorded == 0
    assert {frozenset((p.duplicate, p.holder)) for p in again.shared} == pairs

    # From now on the database refuses those keys.
    result = await ImportStock(
        uow_factory(), vault, blobs, FrozenClock(), HmacKeyFingerprints(SECRET)
    ).execute(product.id, ["OLD-SHARED", "OLD-PLAIN", "OLD-KINGUIN", "NEW-ONE"], CLI)
    assert result.imported == 1
    assert [r.line for r in result.refused] == [1, 2, 3]
