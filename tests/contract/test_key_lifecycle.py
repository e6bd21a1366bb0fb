"""Key lifecycle queries and updates (rotation and purge) on every adapter."""

from dataclasses import replace

import pytest

from bitloot.domain.audit import RevealOutcome
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import Product
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    assert_same_fields,
    at,
    make_item,
    make_order,
    make_product,
    make_reveal,
    make_sealed_key,
    make_stock,
    store,
)


@pytest.fixture
def product() -> Product:
    return make_product()


async def fulfilled_order(uow_factory: UowFactory, product: Product, fulfilled_at: float) -> Order:
    order = make_order(make_item(product, 2), make_item(product, 1), status=OrderStatus.FULFILLED)
    order.fulfilled_at = at(fulfilled_at)
    await store(uow_factory(), orders=[order])
    return order


# Rotation: sealed keys


async def test_sealed_keys_wrapped_elsewhere_are_paged_by_id(
    uow_factory: UowFactory, product: Product
) -> None:
    await store(uow_factory(), products=[product])
    order = await fulfilled_order(uow_factory, product, 0)
    keys = [make_sealed_key(order, order.items[0]) for _ in range(5)]
    keys[1] = replace(keys[1], key_version=2)
    uow = uow_factory()
    for key in keys:
        assert await uow.keys.add(key)
    await uow.commit()
    old = sorted(k.id for k in keys if k.key_version == 1)

    reader = uow_factory()
    first = await reader.keys.wrapped_elsewhere(2, "", 2)
    assert [k.id for k in first] == old[:2]
    rest = await reader.keys.wrapped_elsewhere(2, first[-1].id, 10)
    assert [k.id for k in rest] == old[2:]
    assert [k.id for k in await reader.keys.wrapped_elsewhere(1, "", 10)] == [keys[1].id]
    assert_same_fields(first[0], next(k for k in keys if k.id == old[0]))
    await reader.rollback()


async def test_a_sealed_key_is_rewrapped_only_from_the_version_it_was_read_at(
    uow_factory: UowFactory, product: Product
) -> None:
    await store(uow_factory(), products=[product])
    order = await fulfilled_order(uow_factory, product, 0)
    key = make_sealed_key(order, order.items[0])
    uow = uow_factory()
    await uow.keys.add(key)
    await uow.commit()

    assert await uow.keys.rewrap(key.id, 1, b"\x07" * 60, 2) is True
    await uow.commit()
    assert await uow.keys.rewrap(key.id, 1, b"\x08" * 60, 3) is False  # no longer at version 1
    assert await uow.keys.rewrap("no-such-key", 1, b"\x08" * 60, 3) is False
    await uow.commit()

    reader = uow_factory()
    [stored] = await reader.keys.list_for_order(order.id)
    assert (stored.wrapped_key, stored.key_version) == (b"\x07" * 60, 2)
    assert stored.blob_sha256 == key.blob_sha256
    assert stored.blob_path == key.blob_path
    assert await reader.keys.wrapped_elsewhere(2, "", 10) == []
    await reader.rollback()


async def test_a_rewrap_that_is_rolled_back_changes_nothing(
    uow_factory: UowFactory, product: Product
) -> None:
    await store(uow_factory(), products=[product])
    order = await fulfilled_order(uow_factory, product, 0)
    key = make_sealed_key(order, order.items[0])
    uow = uow_factory()
    await uow.keys.add(key)
    await uow.commit()
    assert await uow.keys.rewrap(key.id, 1, b"\x07" * 60, 2)
    await uow.rollback()
    reader = uow_factory()
    [stored] = await reader.keys.list_for_order(order.id)
    assert_same_fields(stored, key)
    await reader.rollback()


# Rotation: stock


async def test_stock_units_are_rewrapped_by_version_and_erased_units_are_skipped(
    uow_factory: UowFactory, product: Product
) -> None:
    await store(uow_factory(), products=[product])
    order = await fulfilled_order(uow_factory, product, 0)
    units = sorted(make_stock(product, 3), key=lambda unit: unit.id)
    uow = uow_factory()
    await uow.stock.add_many(units)
    await uow.commit()

    assert [u.id for u in await uow.stock.wrapped_elsewhere(2, "", 2)] == [u.id for u in units[:2]]
    assert [u.id for u in await uow.stock.wrapped_elsewhere(2, units[0].id, 10)] == [u.id for u in units[1:]]
    assert await uow.stock.rewrap(units[0].id, 1, b"\x09" * 60, 2) is True
    assert await uow.stock.rewrap(units[0].id, 1, b"\x09" * 60, 2) is False
    await uow.commit()

    [allocated] = await uow.stock.allocate(product.id, order.id, order.items[0].id, 1)
    await uow.commit()
    assert allocated.id == units[0].id
    assert allocated.key_version == 2
    assert allocated.wrapped_key == b"\x09" * 60
    assert await uow.stock.wrapped_elsewhere(2, "", 10) != []
    await uow.rollback()


async def test_an_allocated_stock_unit_is_erased_once_and_only_for_its_item(
    uow_factory: UowFactory, product: Product
) -> None:
    await store(uow_factory(), products=[product])
    order = await fulfilled_order(uow_factory, product, 0)
    units = sorted(make_stock(product, 2), key=lambda unit: unit.id)
    uow = uow_factory()
    await uow.stock.add_many(units)
    await uow.commit()
    [unit] = await uow.stock.allocate(product.id, order.id, order.items[0].id, 1)
    await uow.commit()
    free = units[1]

    assert await uow.stock.allocated(unit.id, order.items[1].id) is None
    assert await uow.stock.allocated(free.id, order.items[0].id) is None
    found = await uow.stock.allocated(unit.id, order.items[0].id)
    assert found is not None
    assert_same_fields(found, unit)
    assert await uow.stock.erase(free.id, order.items[0].id) is False  # not this item's
    assert await uow.stock.erase(unit.id, order.items[1].id) is False
    assert await uow.stock.erase(unit.id, order.items[0].id) is True
    await uow.commit()

    reader = uow_factory()
    assert await reader.stock.allocated(unit.id, order.items[0].id) is None
    assert await reader.stock.erase(unit.id, order.items[0].id) is False
    # An erased unit has no data key left to rotate; the free one still does.
    assert [u.id for u in await reader.stock.wrapped_elsewhere(2, "", 10)] == [free.id]
    assert await reader.stock.count_available(product.id) == 1
    await reader.rollback()


# Purge


async def test_purgeable_keys_were_revealed_and_fulfilled_before_the_cutoff(
    uow_factory: UowFactory, product: Product
) -> None:
    await store(uow_factory(), products=[product])
    old = await fulfilled_order(uow_factory, product, 0)
    recent = await fulfilled_order(uow_factory, product, 100)
    unpaid = make_order(make_item(product))
    await store(uow_factory(), orders=[unpaid])
    due = make_sealed_key(old, old.items[0])
    revealed_late = make_sealed_key(old, old.items[0])
    never_revealed = make_sealed_key(old, old.items[1])
    tampered_only = make_sealed_key(old, old.items[1])
    fulfilled_late = make_sealed_key(recent, recent.items[0])
    not_fulfilled = make_sealed_key(unpaid, unpaid.items[0])
    uow = uow_factory()
    for key in (due, revealed_late, never_revealed, tampered_only, fulfilled_late, not_fulfilled):
        assert await uow.keys.add(key)
    await uow.reveals.add(make_reveal(old, due, when=at(10)))
    await uow.reveals.add(make_reveal(old, due, when=at(200)))
    await uow.reveals.add(make_reveal(old, revealed_late, when=at(50)))
    await uow.reveals.add(
        replace(make_reveal(old, tampered_only, when=at(10)), outcome=RevealOutcome.TAMPER_DETECTED)
    )
    await uow.reveals.add(make_reveal(recent, fulfilled_late, when=at(10)))
    await uow.reveals.add(make_reveal(unpaid, not_fulfilled, when=at(10)))
    await uow.commit()

    reader = uow_factory()
    assert [k.id for k in await reader.keys.purgeable(at(50), 10)] == [due.id]
    later = await reader.keys.purgeable(at(150), 10)
    assert [k.id for k in later] == sorted([due.id, revealed_late.id, fulfilled_late.id])
    assert len(await reader.keys.purgeable(at(150), 2)) == 2
    assert await reader.keys.purgeable(at(0), 10) == []
    await reader.rollback()


async def test_a_purged_key_loses_its_wrapped_key_once_and_is_no_longer_purgeable_or_rotated(
    uow_factory: UowFactory, product: Product
) -> None:
    await store(uow_factory(), products=[product])
    order = await fulfilled_order(uow_factory, product, 0)
    key, other = make_sealed_key(order, order.items[0]), make_sealed_key(order, order.items[1])
    uow = uow_factory()
    for each in (key, other):
        await uow.keys.add(each)
        await uow.reveals.add(make_reveal(order, each, when=at(1)))
    await uow.commit()

    assert await uow.keys.mark_purged(key.id, at(500)) is True
    await uow.commit()
    assert await uow.keys.mark_purged(key.id, at(600)) is False
    assert await uow.keys.rewrap(key.id, 1, b"\x07" * 60, 2) is False
    await uow.commit()

    reader = uow_factory()
    stored = {k.id: k for k in await reader.keys.list_for_order(order.id)}
    assert stored[key.id].purged_at == at(500)
    assert stored[key.id].wrapped_key == b""
    assert_same_fields(stored[other.id], other)
    assert [k.id for k in await reader.keys.purgeable(at(10), 10)] == [other.id]
    assert [k.id for k in await reader.keys.wrapped_elsewhere(2, "", 10)] == [other.id]
    await reader.rollback()
