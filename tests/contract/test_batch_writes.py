"""The repositories' batch writes (`FulfillBatch`'s; its reads are in test_batched_reads.py): each
does for many what its one-row method does for one, including what it refuses."""

import asyncio
import copy

from bitloot.application.ports.repositories import StockAllocation
from bitloot.domain.order_status import OrderStatus
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    at,
    expect_conflict,
    make_item,
    make_order,
    make_product,
    make_sealed_key,
    make_stock,
    read_order,
    store,
)


async def test_save_many_writes_every_order_and_its_newly_fulfilled_items(uow_factory: UowFactory) -> None:
    product = make_product()
    orders = [make_order(make_item(product), make_item(product), status=OrderStatus.PAID) for _ in range(3)]
    uow = uow_factory()
    await store(uow, products=[product], orders=orders)

    uow = uow_factory()
    read = list((await uow.orders.get_many([o.id for o in orders])).values())
    for n, order in enumerate(read):
        assert order.claim(f"worker-{n}", at(10), lease=at(20) - at(10))
        order.mark_item_fulfilled(order.items[0].id, at(11 + n))
    await uow.orders.save_many(read)
    await uow.commit()

    for n, order in enumerate(sorted(read, key=lambda o: o.id)):
        stored = await read_order(uow_factory(), order.id)
        assert stored.status is OrderStatus.FULFILLING
        assert stored.lease_owner == order.lease_owner
        assert stored.lease_expires_at == at(20)
        assert stored.version == 2
        assert [i.fulfilled_at for i in stored.items] == [order.items[0].fulfilled_at, None]
        assert stored.items[0].fulfilled_at is not None, n


async def test_save_many_refuses_them_all_when_one_is_stale(uow_factory: UowFactory) -> None:
    product = make_product()
    orders = [make_order(make_item(product), status=OrderStatus.PAID) for _ in range(3)]
    uow = uow_factory()
    await store(uow, products=[product], orders=orders)
    # Another writer saves the second order meanwhile.
    other = uow_factory()
    taken = await read_order(other, orders[1].id)
    assert taken.claim("other", at(5), lease=at(20) - at(5))
    await other.orders.save(taken)
    await other.commit()

    stale = [copy.deepcopy(o) for o in orders]
    for order in stale:
        order.claim("batch", at(6), lease=at(20) - at(6))
    uow = uow_factory()
    await expect_conflict(uow, lambda: uow.orders.save_many(stale))

    assert (await read_order(uow_factory(), orders[0].id)).status is OrderStatus.PAID
    assert (await read_order(uow_factory(), orders[1].id)).lease_owner == "other"
    assert (await read_order(uow_factory(), orders[2].id)).status is OrderStatus.PAID


async def test_allocate_many_allocates_each_item_and_leaves_out_one_too_few_units_are_left_for(
    uow_factory: UowFactory,
) -> None:
    plenty, scarce = make_product(), make_product()
    order = make_order(make_item(plenty, quantity=2), make_item(scarce, quantity=3), make_item(plenty))
    uow = uow_factory()
    await store(uow, products=[plenty, scarce], orders=[order])
    await uow.stock.add_many(make_stock(plenty, 4) + make_stock(scarce, 2))
    await uow.commit()
    wanted = [StockAllocation(item.product_id, order.id, item.id, item.quantity) for item in order.items]

    uow = uow_factory()
    given = await uow.stock.allocate_many(wanted)
    await uow.commit()

    first, short, last = order.items
    assert sorted(given) == sorted([first.id, last.id])
    assert len(given[first.id]) == 2
    assert len(given[last.id]) == 1
    assert {u.item_id for units in given.values() for u in units} == {first.id, last.id}
    uow = uow_factory()
    assert await uow.stock.count_available(plenty.id) == 1
    assert await uow.stock.count_available(scarce.id) == 2  # nothing taken for the short item
    # Idempotent, as `allocate` is: the same units again.
    again = await uow.stock.allocate_many(wanted)
    await uow.commit()
    assert {k: [u.id for u in v] for k, v in again.items()} == {
        k: [u.id for u in v] for k, v in given.items()
    }
    assert short.id not in again


async def test_concurrent_allocate_many_never_hand_out_a_unit_twice(uow_factory: UowFactory) -> None:
    product = make_product()
    orders = [make_order(make_item(product, quantity=2)) for _ in range(6)]
    uow = uow_factory()
    await store(uow, products=[product], orders=orders)
    await uow.stock.add_many(make_stock(product, 8))
    await uow.commit()

    async def batch(chosen: list[int]) -> dict[str, list[str]]:
        unit = uow_factory()
        wanted = [StockAllocation(product.id, orders[n].id, orders[n].items[0].id, 2) for n in chosen]
        try:
            given = await unit.stock.allocate_many(wanted)
            await unit.commit()
        except Exception:
            await unit.rollback()
            return {}
        return {item: [u.id for u in units] for item, units in given.items()}

    results = await asyncio.gather(batch([0, 1, 2]), batch([3, 4, 5]), batch([5, 4, 3, 2]))
    held: dict[str, set[str]] = {}
    for result in results:
        for item, units in result.items():
            held.setdefault(item, set(units))
            assert held[item] == set(units)  # an item's units are the same whoever asked
    every = [u for units in held.values() for u in units]
    assert len(every) == len(set(every)) <= 8


async def test_keys_add_many_records_the_new_and_refuses_a_second_key_of_the_same_source(
    uow_factory: UowFactory,
) -> None:
    product = make_product()
    order = make_order(make_item(product), make_item(product))
    uow = uow_factory()
    await store(uow, products=[product], orders=[order])
    first, second = order.items
    kept = make_sealed_key(order, first, source_key_id="unit-1")
    uow = uow_factory()
    assert await uow.keys.add_many([kept]) == {kept.id}
    await uow.commit()

    again = make_sealed_key(order, first, source_key_id="unit-1")  # same item, same source key
    fresh = make_sealed_key(order, second, source_key_id="unit-2")
    uow = uow_factory()
    assert await uow.keys.add_many([again, fresh]) == {fresh.id}
    assert await uow.keys.add_many([]) == set()
    await uow.commit()
    assert sorted(k.id for k in await uow_factory().keys.list_for_order(order.id)) == sorted(
        [kept.id, fresh.id]
    )


async def test_requests_mark_done_many_closes_each_request(uow_factory: UowFactory) -> None:
    product = make_product()
    orders = [make_order(make_item(product), status=OrderStatus.PAID) for _ in range(3)]
    uow = uow_factory()
    await store(uow, products=[product], orders=orders)
    uow = uow_factory()
    for order in orders:
        await uow.fulfillment_requests.add(order.id, at(0))
    await uow.commit()

    uow = uow_factory()
    await uow.fulfillment_requests.mark_done_many([orders[0].id, orders[2].id], at(5))
    await uow.fulfillment_requests.mark_done_many([], at(5))
    await uow.commit()
    uow = uow_factory()
    assert await uow.fulfillment_requests.pending(10) == [orders[1].id]
    await uow.rollback()
