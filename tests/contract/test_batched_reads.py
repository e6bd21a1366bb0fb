"""The reads that serve many orders at once (the emails of a batch): orders by id with their items,
and the payment records of several orders, each as its one-order read has it."""

from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import SupplierKind
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    assert_same_fields,
    at,
    make_item,
    make_order,
    make_payment,
    make_product,
    store,
)


async def test_orders_by_id_are_read_as_get_reads_them_and_unknown_ids_left_out(
    uow_factory: UowFactory,
) -> None:
    own, kinguin = make_product(price="19.99"), make_product(supplier=SupplierKind.KINGUIN, price="5")
    # Items deliberately not in id order: each order keeps its items as given.
    first = make_order(make_item(kinguin, quantity=3), make_item(own), created_at=at(0))
    second = make_order(make_item(own, quantity=2), created_at=at(1), status=OrderStatus.FULFILLED)
    first.items[1].fulfilled_at = at(30)
    untouched = make_order(make_item(own), created_at=at(2))
    await store(uow_factory(), products=[own, kinguin], orders=[first, second, untouched])

    uow = uow_factory()
    found = await uow.orders.get_many([second.id, "no-such-order", first.id])
    expected = {first.id: await uow.orders.get(first.id), second.id: await uow.orders.get(second.id)}
    await uow.rollback()

    assert sorted(found) == sorted(expected)
    for order_id, order in found.items():
        assert_same_fields(order, expected[order_id])
    assert [item.id for item in found[first.id].items] == [item.id for item in first.items]
    assert found[second.id].total == second.total


async def test_orders_by_id_see_the_units_own_writes_and_none_for_no_ids(uow_factory: UowFactory) -> None:
    product = make_product()
    order = make_order(make_item(product))
    uow = uow_factory()
    await store(uow, products=[product])
    await uow.orders.add(order)

    assert list(await uow.orders.get_many([order.id])) == [order.id]
    assert await uow.orders.get_many([]) == {}
    await uow.rollback()
    assert await uow_factory().orders.get_many([order.id]) == {}


async def test_payments_of_several_orders_are_each_orders_list_and_none_for_no_payments(
    uow_factory: UowFactory,
) -> None:
    records = [
        make_payment("order-1", received_at=at(2)),
        make_payment("order-2", received_at=at(1)),
        make_payment("order-1", received_at=at(0)),
        make_payment("order-3", received_at=at(0)),
    ]
    uow = uow_factory()
    for record in records:
        await uow.payments.add(record)
    await uow.commit()

    reader = uow_factory()
    found = await reader.payments.list_for_orders(["order-1", "order-2", "order-4"])
    one_by_one = {
        order_id: await reader.payments.list_for_order(order_id) for order_id in ("order-1", "order-2")
    }
    assert await reader.payments.list_for_orders([]) == {}
    await reader.rollback()

    assert sorted(found) == ["order-1", "order-2"]
    for order_id, listed in one_by_one.items():
        assert len(found[order_id]) == len(listed)
        for got, want in zip(found[order_id], listed, strict=True):
            assert_same_fields(got, want)
    assert [record.received_at for record in found["order-1"]] == [at(0), at(2)]
