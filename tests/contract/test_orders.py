"""OrderRepository: exact round trips, optimistic versions, item fulfilment and listing."""

import copy
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from bitloot.domain.errors import InvalidValue
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import Product, SupplierKind
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    T0,
    assert_same_fields,
    at,
    expect_conflict,
    make_item,
    make_order,
    make_product,
    read_order,
    store,
)


@pytest.fixture
def products() -> list[Product]:
    return [
        make_product(price="19.99"),
        make_product(price="5"),
        make_product(supplier=SupplierKind.KINGUIN, price="0.00000001"),
    ]


def three_item_order(
    products: list[Product], created_at: datetime = T0, status: OrderStatus = OrderStatus.AWAITING_PAYMENT
) -> Order:
    # Items deliberately not in id order: the stored order of items must be kept as given.
    items = [
        make_item(products[2], quantity=3),
        make_item(products[0], quantity=1, price="19.99"),
        make_item(products[1], quantity=20, price="9999999.12345678"),
    ]
    items.reverse()
    return make_order(*items, created_at=created_at, status=status)


async def test_an_order_round_trips_field_by_field(uow_factory: UowFactory, products: list[Product]) -> None:
    order = three_item_order(products, created_at=at(0), status=OrderStatus.FULFILLING)
    order.updated_at = at(1.5)
    order.payment_url = "https://nowpayments.io/payment/?iid=123"
    order.lease_owner = "worker-1"
    order.lease_expires_at = at(61)
    order.failure_reason = "a previous attempt failed"
    order.reveal_count = 2
    order.items[0].fulfilled_at = at(30)
    expected_ids = [item.id for item in order.items]
    uow = uow_factory()
    await store(uow, products=products)

    await uow.orders.add(order)
    assert order.version == 1
    in_unit = await uow.orders.get(order.id)
    assert in_unit is not None
    assert_same_fields(in_unit, order)
    await uow.commit()

    loaded = await uow_factory().orders.get(order.id)
    assert loaded is not None
    assert_same_fields(loaded, order)
    assert [item.id for item in loaded.items] == expected_ids
    assert loaded.items[0].unit_price.amount == Decimal("9999999.12345678")
    assert loaded.total == order.total
    assert loaded.version == 1


async def test_an_unknown_order_is_none(uow_factory: UowFactory) -> None:
    assert await uow_factory().orders.get("no-such-order") is None


async def test_the_access_token_hash_is_read_alone_and_none_for_an_unknown_order(
    uow_factory: UowFactory, products: list[Product]
) -> None:
    order = three_item_order(products)
    uow = uow_factory()
    await store(uow, products=products)
    await uow.orders.add(order)
    assert await uow.orders.access_token_hash(order.id) == order.access_token_hash, "its own writes"
    await uow.commit()

    reader = uow_factory()
    assert await reader.orders.access_token_hash(order.id) == order.access_token_hash
    assert await reader.orders.access_token_hash("no-such-order") is None


async def test_an_id_the_database_cannot_hold_is_unknown_or_invalid_never_a_driver_error(
    uow_factory: UowFactory,
) -> None:
    """PostgreSQL refuses text with a NUL character; SQLite and memory simply find nothing."""
    uow = uow_factory()
    try:
        found = await uow.orders.get("bad\x00id")
    except InvalidValue as refused:
        found, message = None, str(refused)
    else:
        message = ""
    assert found is None
    assert "bad" not in message, "the refusal names no value"
    await uow.rollback()
    assert await uow.orders.get("no-such-order") is None, "the unit of work is usable afterwards"


async def test_a_read_order_is_a_copy(uow_factory: UowFactory, products: list[Product]) -> None:
    order = three_item_order(products)
    await store(uow_factory(), products=products, orders=[order])

    uow = uow_factory()
    loaded = await read_order(uow, order.id)
    loaded.reveal_count = 99
    loaded.items[0].fulfilled_at = at(5)
    order.email = "changed@example.com"

    again = await read_order(uow, order.id)
    assert again.reveal_count == 0
    assert again.items[0].fulfilled_at is None
    assert again.email != "changed@example.com"


async def test_save_bumps_the_version_and_stores_the_changes(
    uow_factory: UowFactory, products: list[Product]
) -> None:
    order = three_item_order(products, created_at=at(0))
    await store(uow_factory(), products=products, orders=[order])

    uow = uow_factory()
    loaded = await uow.orders.get(order.id)
    assert loaded is not None
    loaded.transition_to(OrderStatus.PAID, at(10))
    loaded.payment_url = "https://pay.example/1"
    await uow.orders.save(loaded)
    assert loaded.version == 2
    loaded.claim("worker-7", at(11), timedelta(minutes=5))
    await uow.orders.save(loaded)
    assert loaded.version == 3
    await uow.commit()

    stored = await uow_factory().orders.get(order.id)
    assert stored is not None
    assert_same_fields(stored, loaded)
    assert stored.status is OrderStatus.FULFILLING
    assert stored.lease_owner == "worker-7"
    assert stored.lease_expires_at == at(11) + timedelta(minutes=5)
    assert stored.version == 3


async def test_a_save_from_a_stale_copy_conflicts(uow_factory: UowFactory, products: list[Product]) -> None:
    order = three_item_order(products, created_at=at(0))
    await store(uow_factory(), products=products, orders=[order])
    first, second = uow_factory(), uow_factory()
    mine = await read_order(first, order.id)
    theirs = await read_order(second, order.id)
    assert mine.version == theirs.version == 1

    mine.transition_to(OrderStatus.PAID, at(10))
    await first.orders.save(mine)
    await first.commit()

    theirs.transition_to(OrderStatus.EXPIRED, at(20))
    await expect_conflict(second, lambda: second.orders.save(theirs))

    stored = await read_order(uow_factory(), order.id)
    assert stored.status is OrderStatus.PAID
    assert stored.version == 2

    # Retrying from a fresh read succeeds.
    fresh = await second.orders.get(order.id)
    assert fresh is not None
    fresh.transition_to(OrderStatus.FULFILLING, at(30))
    await second.orders.save(fresh)
    await second.commit()
    final = await read_order(uow_factory(), order.id)
    assert final.status is OrderStatus.FULFILLING
    assert final.version == 3


async def test_saving_an_order_that_was_never_added_conflicts(
    uow_factory: UowFactory, products: list[Product]
) -> None:
    order = three_item_order(products)
    await store(uow_factory(), products=products)

    uow = uow_factory()
    await expect_conflict(uow, lambda: uow.orders.save(order))
    assert await uow_factory().orders.get(order.id) is None


async def test_item_fulfillment_is_stored_by_save(uow_factory: UowFactory, products: list[Product]) -> None:
    order = three_item_order(products, created_at=at(0), status=OrderStatus.FULFILLING)
    await store(uow_factory(), products=products, orders=[order])
    first_item, second_item, third_item = (item.id for item in order.items)

    uow = uow_factory()
    loaded = await uow.orders.get(order.id)
    assert loaded is not None
    loaded.mark_item_fulfilled(second_item, at(40))
    await uow.orders.save(loaded)
    await uow.commit()

    partial = await read_order(uow_factory(), order.id)
    assert [item.fulfilled_at for item in partial.items] == [None, at(40), None]
    assert partial.updated_at == at(40)

    uow = uow_factory()
    loaded = await uow.orders.get(order.id)
    assert loaded is not None
    loaded.mark_item_fulfilled(first_item, at(50))
    loaded.mark_item_fulfilled(third_item, at(51))
    loaded.complete(at(52))
    await uow.orders.save(loaded)
    await uow.commit()

    done = await read_order(uow_factory(), order.id)
    assert_same_fields(done, loaded)
    assert [item.fulfilled_at for item in done.items] == [at(50), at(40), at(51)]
    assert done.status is OrderStatus.FULFILLED
    assert done.fulfilled_at == at(52)
    assert done.version == 3


async def test_list_is_newest_first_filtered_by_status_and_limited(
    uow_factory: UowFactory, products: list[Product]
) -> None:
    statuses = [
        OrderStatus.PAID,
        OrderStatus.AWAITING_PAYMENT,
        OrderStatus.PAID,
        OrderStatus.FULFILLED,
        OrderStatus.PAID,
    ]
    orders = [
        make_order(make_item(products[n % 3]), created_at=at(60 * n), status=status)
        for n, status in enumerate(statuses)
    ]
    shuffled = [orders[3], orders[0], orders[4], orders[2], orders[1]]
    await store(uow_factory(), products=products, orders=shuffled)
    newest_first = list(reversed(orders))

    uow = uow_factory()
    everything = await uow.orders.list(None, 100)
    assert [o.id for o in everything] == [o.id for o in newest_first]
    for loaded, original in zip(everything, newest_first, strict=True):
        assert_same_fields(loaded, original)

    assert [o.id for o in await uow.orders.list(None, 2)] == [orders[4].id, orders[3].id]
    paid = await uow.orders.list(OrderStatus.PAID, 100)
    assert [o.id for o in paid] == [orders[4].id, orders[2].id, orders[0].id]
    assert [o.id for o in await uow.orders.list(OrderStatus.PAID, 1)] == [orders[4].id]
    assert await uow.orders.list(OrderStatus.REFUNDED, 100) == []


async def test_list_sees_the_units_own_writes(uow_factory: UowFactory, products: list[Product]) -> None:
    old = make_order(make_item(products[0]), created_at=at(0))
    await store(uow_factory(), products=products, orders=[old])

    uow = uow_factory()
    new = make_order(make_item(products[1]), created_at=at(100))
    await uow.orders.add(new)
    assert [o.id for o in await uow.orders.list(None, 10)] == [new.id, old.id]
    loaded = copy.deepcopy(old)
    loaded.version = 1
    loaded.transition_to(OrderStatus.PAID, at(5))
    await uow.orders.save(loaded)
    assert [o.id for o in await uow.orders.list(OrderStatus.PAID, 10)] == [old.id]
    await uow.rollback()

    assert [o.id for o in await uow.orders.list(None, 10)] == [old.id]
    assert await uow.orders.list(OrderStatus.PAID, 10) == []
