"""OrderRepository.awaiting_payment and the payment reference: what the payment reconciler asks about."""

import pytest

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
    read_order,
    store,
)


@pytest.fixture
def product() -> Product:
    return make_product(price="19.99")


def invoiced(product: Product, seconds: float, status: OrderStatus = OrderStatus.AWAITING_PAYMENT) -> Order:
    order = make_order(make_item(product), created_at=at(seconds), status=status)
    order.payment_url = f"https://nowpayments.io/payment/?iid={order.id[-8:]}"
    order.payment_reference = f"45226{int(seconds):05d}"
    return order


async def test_the_payment_reference_round_trips_and_is_saved(
    uow_factory: UowFactory, product: Product
) -> None:
    order = invoiced(product, 0)
    bare = make_order(make_item(product), created_at=at(1))
    await store(uow_factory(), products=[product], orders=[order, bare])

    loaded = await read_order(uow_factory(), order.id)
    assert loaded.payment_reference == order.payment_reference
    assert_same_fields(loaded, order)
    assert (await read_order(uow_factory(), bare.id)).payment_reference is None

    uow = uow_factory()
    changed = await read_order(uow, order.id)
    changed.payment_reference = "a-new-invoice-id-" + "x" * 83
    await uow.orders.save(changed)
    await uow.commit()
    assert (await read_order(uow_factory(), order.id)).payment_reference == changed.payment_reference


async def test_awaiting_payment_is_oldest_first_within_the_window(
    uow_factory: UowFactory, product: Product
) -> None:
    orders = [invoiced(product, 10 * n) for n in range(6)]
    await store(uow_factory(), products=[product], orders=list(reversed(orders)))

    uow = uow_factory()
    found = await uow.orders.awaiting_payment(at(45), at(5), 100)

    # Strictly after 5 s and strictly before 45 s: the orders of 10, 20, 30 and 40 seconds.
    assert [o.id for o in found] == [o.id for o in orders[1:5]]
    for loaded, original in zip(found, orders[1:5], strict=True):
        assert loaded.payment_reference == original.payment_reference
        assert [i.id for i in loaded.items] == [i.id for i in original.items]
    assert [o.id for o in await uow.orders.awaiting_payment(at(40), at(10), 100)] == [
        orders[2].id,
        orders[3].id,
    ]
    assert [o.id for o in await uow.orders.awaiting_payment(at(100), at(-1), 2)] == [
        orders[0].id,
        orders[1].id,
    ]
    assert await uow.orders.awaiting_payment(at(0), at(-100), 100) == []


async def test_only_unpaid_orders_with_a_reference_are_due(uow_factory: UowFactory, product: Product) -> None:
    waiting = invoiced(product, 1)
    underpaid = invoiced(product, 2, OrderStatus.UNDERPAID)
    no_reference = make_order(make_item(product), created_at=at(3))
    others = [
        invoiced(product, 4 + n, status)
        for n, status in enumerate(
            (
                OrderStatus.PAID,
                OrderStatus.FULFILLING,
                OrderStatus.FULFILLED,
                OrderStatus.FAILED,
                OrderStatus.EXPIRED,
                OrderStatus.PAYMENT_FAILED,
                OrderStatus.REFUNDED,
            )
        )
    ]
    await store(uow_factory(), products=[product], orders=[waiting, underpaid, no_reference, *others])

    found = await uow_factory().orders.awaiting_payment(at(1000), at(-1000), 100)

    assert [o.id for o in found] == [waiting.id, underpaid.id]
    assert [o.status for o in found] == [OrderStatus.AWAITING_PAYMENT, OrderStatus.UNDERPAID]


async def test_awaiting_payment_sees_the_units_own_writes(uow_factory: UowFactory, product: Product) -> None:
    old = invoiced(product, 0)
    await store(uow_factory(), products=[product], orders=[old])

    uow = uow_factory()
    new = invoiced(product, 10)
    await uow.orders.add(new)
    paid = await uow.orders.get(old.id)
    assert paid is not None
    paid.transition_to(OrderStatus.PAID, at(20))
    await uow.orders.save(paid)
    assert [o.id for o in await uow.orders.awaiting_payment(at(100), at(-1), 10)] == [new.id]
    await uow.rollback()

    assert [o.id for o in await uow_factory().orders.awaiting_payment(at(100), at(-1), 10)] == [old.id]
