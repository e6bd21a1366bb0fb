"""OrderProgressReader: one read of an order's state and items, the same on every adapter, always
the committed state, and never a transaction left open."""

from bitloot.application.ports.read_models import ItemProgress
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import Product
from tests.contract.conftest import Persistence
from tests.contract.factories import at, make_item, make_order, make_product, read_order, store


def two_products() -> list[Product]:
    return [make_product(price="19.99"), make_product(price="5")]


async def test_an_order_reads_back_with_its_items_in_their_order(persistence: Persistence) -> None:
    products = two_products()
    items = [make_item(products[1], quantity=3), make_item(products[0]), make_item(products[1])]
    order = make_order(*items, created_at=at(0), status=OrderStatus.FULFILLING)
    await store(persistence.uow_factory(), products=products, orders=[order])

    progress = await persistence.progress.progress(order.id)

    assert progress is not None
    assert progress.order_id == order.id
    assert progress.status is OrderStatus.FULFILLING
    assert progress.access_token_hash == order.access_token_hash
    assert progress.fulfilled_at is None
    assert progress.updated_at == at(0)
    assert progress.items == tuple(ItemProgress(i.id, i.product_id, i.quantity, None) for i in items)


async def test_it_sees_every_committed_change(persistence: Persistence) -> None:
    products = two_products()
    order = make_order(make_item(products[0]), make_item(products[1]), status=OrderStatus.PAID)
    await store(persistence.uow_factory(), products=products, orders=[order])
    uow = persistence.uow_factory()
    stored = await read_order(uow, order.id)
    stored.claim("worker", at(1), at(2) - at(1))
    stored.mark_item_fulfilled(stored.items[0].id, at(1))
    stored.mark_item_fulfilled(stored.items[1].id, at(2))
    stored.complete(at(2))
    await uow.orders.save(stored)
    await uow.commit()

    progress = await persistence.progress.progress(order.id)

    assert progress is not None
    assert progress.status is OrderStatus.FULFILLED
    assert progress.fulfilled_at == at(2)
    assert [item.fulfilled_at for item in progress.items] == [at(1), at(2)]


async def test_a_change_not_yet_committed_is_not_seen(persistence: Persistence) -> None:
    products = two_products()
    order = make_order(make_item(products[0]), status=OrderStatus.PAID)
    await store(persistence.uow_factory(), products=products, orders=[order])
    uow = persistence.uow_factory()
    stored = await read_order(uow, order.id)
    stored.claim("worker", at(1), at(2) - at(1))
    await uow.orders.save(stored)

    progress = await persistence.progress.progress(order.id)

    assert progress is not None
    assert progress.status is OrderStatus.PAID
    await uow.rollback()


async def test_reads_leave_no_transaction_open(persistence: Persistence) -> None:
    """A writer commits right after reads (SQLite has one writer: an open read would block it)."""
    products = two_products()
    order = make_order(make_item(products[0]), status=OrderStatus.PAID)
    await store(persistence.uow_factory(), products=products, orders=[order])
    for _ in range(3):
        await persistence.progress.progress(order.id)
    uow = persistence.uow_factory()
    stored = await read_order(uow, order.id)
    stored.claim("worker", at(1), at(2) - at(1))
    await uow.orders.save(stored)
    await uow.commit()
    assert (await persistence.progress.progress(order.id)).status is OrderStatus.FULFILLING  # type: ignore[union-attr]


async def test_unknown_ids_and_ids_no_order_can_have_are_none(persistence: Persistence) -> None:
    for order_id in ("no-such-order", "bad\x00id", "x" * 10_000):
        assert await persistence.progress.progress(order_id) is None
