"""StockRepository: counting free units, idempotent allocation, and no unit given twice."""

import asyncio
from dataclasses import replace

import pytest

from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.errors import OutOfStock
from bitloot.domain.keys import StockKey
from bitloot.domain.order import Order
from bitloot.domain.product import Product
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    assert_same_fields,
    make_item,
    make_order,
    make_product,
    make_stock,
    store,
)


async def stocked(
    uow_factory: UowFactory, units: int, *, items: int = 1
) -> tuple[Product, Order, list[StockKey]]:
    """A product with `units` free units and one order with `items` items of it."""
    product = make_product()
    order = make_order(*(make_item(product, quantity=1) for _ in range(items)))
    keys = make_stock(product, units)
    uow = uow_factory()
    await store(uow, products=[product], orders=[order])
    await uow.stock.add_many(keys)
    await uow.commit()
    return product, order, keys


async def count(uow_factory: UowFactory, product_id: str) -> int:
    uow = uow_factory()
    available = await uow.stock.count_available(product_id)
    await uow.rollback()
    return available


async def test_added_units_are_counted_per_product(uow_factory: UowFactory) -> None:
    product, _, _ = await stocked(uow_factory, 4)
    other = make_product()
    uow = uow_factory()
    await store(uow, products=[other])
    await uow.stock.add_many(make_stock(other, 2))
    assert await uow.stock.count_available(other.id) == 2
    await uow.commit()

    assert await count(uow_factory, product.id) == 4
    assert await count(uow_factory, other.id) == 2
    assert await count(uow_factory, "no-such-product") == 0


async def test_allocate_hands_out_units_of_the_product_to_the_item(uow_factory: UowFactory) -> None:
    product, order, keys = await stocked(uow_factory, 5)
    item = order.items[0]

    uow = uow_factory()
    units = await uow.stock.allocate(product.id, order.id, item.id, 3)
    assert len(units) == 3
    assert len({unit.id for unit in units}) == 3
    by_id = {key.id: key for key in keys}
    for unit in units:
        assert unit.order_id == order.id
        assert unit.item_id == item.id
        original = by_id[unit.id]
        assert_same_fields(unit, replace(original, order_id=order.id, item_id=item.id))
    assert await uow.stock.count_available(product.id) == 2
    await uow.commit()

    assert await count(uow_factory, product.id) == 2


async def test_allocate_is_idempotent_per_item(uow_factory: UowFactory) -> None:
    product, order, _ = await stocked(uow_factory, 6)
    item = order.items[0]

    uow = uow_factory()
    first = await uow.stock.allocate(product.id, order.id, item.id, 2)
    again = await uow.stock.allocate(product.id, order.id, item.id, 2)
    assert [u.id for u in again] == [u.id for u in first]
    assert await uow.stock.count_available(product.id) == 4
    await uow.commit()

    uow = uow_factory()
    after_commit = await uow.stock.allocate(product.id, order.id, item.id, 2)
    assert [u.id for u in after_commit] == [u.id for u in first]
    assert await uow.stock.count_available(product.id) == 4
    # Asking for more returns the units held first and takes only the missing ones.
    more = await uow.stock.allocate(product.id, order.id, item.id, 3)
    assert [u.id for u in more[:2]] == [u.id for u in first]
    assert len({u.id for u in more}) == 3
    assert await uow.stock.count_available(product.id) == 3
    await uow.commit()

    assert await count(uow_factory, product.id) == 3


async def test_too_little_stock_is_out_of_stock_and_takes_nothing(uow_factory: UowFactory) -> None:
    product, order, _ = await stocked(uow_factory, 2, items=2)
    other = make_product()
    uow = uow_factory()
    await store(uow, products=[other])
    await uow.stock.add_many(make_stock(other, 10))
    await uow.commit()

    uow = uow_factory()
    with pytest.raises(OutOfStock):
        await uow.stock.allocate(product.id, order.id, order.items[0].id, 3)
    assert await uow.stock.count_available(product.id) == 2
    await uow.rollback()

    uow = uow_factory()
    await uow.stock.allocate(product.id, order.id, order.items[0].id, 2)
    with pytest.raises(OutOfStock):
        await uow.stock.allocate(product.id, order.id, order.items[1].id, 1)
    await uow.rollback()
    assert await count(uow_factory, product.id) == 2
    assert await count(uow_factory, other.id) == 10


async def test_a_rolled_back_allocation_frees_its_units(uow_factory: UowFactory) -> None:
    product, order, _ = await stocked(uow_factory, 3)
    uow = uow_factory()
    taken = await uow.stock.allocate(product.id, order.id, order.items[0].id, 3)
    await uow.rollback()

    assert await count(uow_factory, product.id) == 3
    uow = uow_factory()
    retaken = await uow.stock.allocate(product.id, order.id, order.items[0].id, 3)
    assert sorted(u.id for u in retaken) == sorted(u.id for u in taken)
    await uow.commit()
    assert await count(uow_factory, product.id) == 0


async def allocate_and_commit(
    uow_factory: UowFactory, product_id: str, order_id: str, item_id: str, quantity: int
) -> list[StockKey]:
    """What a fulfilment worker does: allocate, commit, and retry from scratch on a lost race."""
    for _ in range(10):
        uow = uow_factory()
        try:
            units = await uow.stock.allocate(product_id, order_id, item_id, quantity)
            await asyncio.sleep(0.005)  # hold the transaction open so the other units interleave
            await uow.commit()
        except ConcurrencyConflict:
            await uow.rollback()
            continue
        except OutOfStock:
            await uow.rollback()
            raise
        return units
    raise AssertionError("allocation kept conflicting")


async def test_concurrent_units_never_take_the_same_unit(uow_factory: UowFactory) -> None:
    product, order, keys = await stocked(uow_factory, 12, items=4)

    results = await asyncio.gather(
        *(allocate_and_commit(uow_factory, product.id, order.id, item.id, 3) for item in order.items)
    )

    taken = [unit.id for units in results for unit in units]
    assert len(taken) == 12
    assert len(set(taken)) == 12, "a unit was allocated twice"
    assert set(taken) == {key.id for key in keys}
    for item, units in zip(order.items, results, strict=True):
        assert {unit.item_id for unit in units} == {item.id}
    assert await count(uow_factory, product.id) == 0

    # What each item holds after all commits is what it was given.
    uow = uow_factory()
    for item, units in zip(order.items, results, strict=True):
        held = await uow.stock.allocate(product.id, order.id, item.id, 3)
        assert sorted(u.id for u in held) == sorted(u.id for u in units)


async def test_concurrent_units_never_oversell(uow_factory: UowFactory) -> None:
    product, order, _ = await stocked(uow_factory, 7, items=3)

    results = await asyncio.gather(
        *(allocate_and_commit(uow_factory, product.id, order.id, item.id, 3) for item in order.items),
        return_exceptions=True,
    )

    given = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(given) == 2
    assert len(refused) == 1
    assert isinstance(refused[0], OutOfStock)
    taken = [unit.id for units in given for unit in units]
    assert len(set(taken)) == len(taken) == 6
    assert await count(uow_factory, product.id) == 1
