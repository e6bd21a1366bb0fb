"""The unit of work: isolation, commit, rollback, atomicity and reuse.

On SQLite a transaction takes the write lock when it begins, so a second unit that reads while the first
is open waits for it to end; the tests below accept that (the second unit then reads after the first
ended) but never accept a read of uncommitted data.
"""

import asyncio
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.keys import SealedKey
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentRecord
from bitloot.domain.product import Product
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    NOW,
    assert_same_fields,
    at,
    expect_conflict,
    make_item,
    make_order,
    make_payment,
    make_product,
    make_reveal,
    make_sealed_key,
    make_stock,
    read_order,
    store,
)


@dataclass
class World:
    product: Product
    order: Order
    key: SealedKey
    payment: PaymentRecord


def new_world() -> World:
    product = make_product()
    order = make_order(make_item(product, 2), created_at=at(0), status=OrderStatus.PAID)
    return World(
        product=product,
        order=order,
        key=make_sealed_key(order, order.items[0]),
        payment=make_payment(order.id),
    )


async def write_everything(uow: UnitOfWork, world: World) -> None:
    """One write to every repository."""
    await uow.products.add(world.product)
    await uow.stock.add_many(make_stock(world.product, 3))
    await uow.orders.add(world.order)
    await uow.keys.add(world.key)
    await uow.payments.add(world.payment)
    await uow.reveals.add(make_reveal(world.order, world.key, when=at(1)))
    await uow.fulfillment_requests.add(world.order.id, NOW)


async def visible(uow: UnitOfWork, world: World) -> dict[str, Any]:
    """Everything of `world` that `uow` can see."""
    seen = {
        "product": await uow.products.get(world.product.id) is not None,
        "product by sku": await uow.products.get_by_sku(world.product.sku) is not None,
        "products": len(await uow.products.list()),
        "products by id": len(await uow.products.get_many([world.product.id])),
        "stock": await uow.stock.count_available(world.product.id),
        "order": await uow.orders.get(world.order.id) is not None,
        "orders": len(await uow.orders.list(None, 10)),
        "keys": len(await uow.keys.list_for_order(world.order.id)),
        "payment": await uow.payments.has(world.payment.dedupe_key),
        "payments": len(await uow.payments.list_recent(10)),
        "payments of order": len(await uow.payments.list_for_order(world.order.id)),
        "reveals": len(await uow.reveals.list_for_order(world.order.id)),
        "pending": await uow.fulfillment_requests.pending(10),
    }
    await uow.rollback()
    return seen


def nothing() -> dict[str, Any]:
    return {
        "product": False,
        "product by sku": False,
        "products": 0,
        "products by id": 0,
        "stock": 0,
        "order": False,
        "orders": 0,
        "keys": 0,
        "payment": False,
        "payments": 0,
        "payments of order": 0,
        "reveals": 0,
        "pending": [],
    }


def everything(world: World) -> dict[str, Any]:
    return {
        "product": True,
        "product by sku": True,
        "products": 1,
        "products by id": 1,
        "stock": 3,
        "order": True,
        "orders": 1,
        "keys": 1,
        "payment": True,
        "payments": 1,
        "payments of order": 1,
        "reveals": 1,
        "pending": [world.order.id],
    }


async def test_a_unit_sees_its_own_writes(uow_factory: UowFactory) -> None:
    world = new_world()
    uow = uow_factory()
    await write_everything(uow, world)
    # `visible` rolls back when done, so this also checks that nothing was kept.
    assert await visible(uow, world) == everything(world)
    assert await visible(uow, world) == nothing()
    assert await visible(uow_factory(), world) == nothing()


@pytest.mark.parametrize("finish", ["commit", "rollback"])
async def test_writes_are_invisible_to_other_units_until_committed(
    uow_factory: UowFactory, adapter: str, finish: str
) -> None:
    world = new_world()
    writer = uow_factory()
    await write_everything(writer, world)

    async def finish_writer(after: float = 0.0) -> None:
        await asyncio.sleep(after)
        await (writer.commit() if finish == "commit" else writer.rollback())

    if adapter == "sqlite":
        # One writer at a time, and every unit begins IMMEDIATE: the reader waits for the finish.
        seen, _ = await asyncio.gather(visible(uow_factory(), world), finish_writer(after=0.05))
        assert seen == (everything(world) if finish == "commit" else nothing())
    else:
        # Readers do not wait here: what they see before the finish is nothing at all.
        assert await visible(uow_factory(), world) == nothing()
        await finish_writer()
    after = await visible(uow_factory(), world)
    assert after == (everything(world) if finish == "commit" else nothing())


async def test_commit_makes_every_write_durable(uow_factory: UowFactory) -> None:
    world = new_world()
    writer = uow_factory()
    await write_everything(writer, world)
    await writer.commit()

    assert await visible(uow_factory(), world) == everything(world)
    assert await visible(writer, world) == everything(world)


async def test_a_unit_reads_afresh_after_commit_or_rollback(uow_factory: UowFactory) -> None:
    world = new_world()
    reader = uow_factory()
    assert await reader.products.get(world.product.id) is None
    await reader.rollback()

    await store(uow_factory(), products=[world.product])
    assert await reader.products.get(world.product.id) is not None
    await reader.commit()

    # And it keeps working as a writer after a commit.
    await reader.orders.add(world.order)
    await reader.commit()
    assert (await read_order(uow_factory(), world.order.id)).id == world.order.id


async def test_a_conflicting_commit_keeps_none_of_the_units_writes(uow_factory: UowFactory) -> None:
    world = new_world()
    await store(uow_factory(), products=[world.product], orders=[world.order])
    first, second = uow_factory(), uow_factory()
    mine = await read_order(first, world.order.id)
    theirs = await read_order(second, world.order.id)
    mine.transition_to(OrderStatus.FULFILLING, at(5))
    await first.orders.save(mine)
    await first.commit()

    other_product = make_product()
    other_order = make_order(make_item(world.product), created_at=at(9))

    async def stale_work() -> None:
        # Writes first, the stale save last: the whole unit must be refused.
        await second.products.add(other_product)
        await second.stock.add_many(make_stock(world.product, 2))
        await second.orders.add(other_order)
        await second.keys.add(world.key)
        await second.payments.add(world.payment)
        await second.reveals.add(make_reveal(world.order, world.key))
        await second.fulfillment_requests.add(world.order.id, NOW)
        theirs.transition_to(OrderStatus.REFUNDED, at(6))
        await second.orders.save(theirs)

    await expect_conflict(second, stale_work)

    check = uow_factory()
    assert await check.products.get(other_product.id) is None
    assert await check.stock.count_available(world.product.id) == 0
    assert await check.orders.get(other_order.id) is None
    assert await check.keys.list_for_order(world.order.id) == []
    assert not await check.payments.has(world.payment.dedupe_key)
    assert await check.reveals.list_for_order(world.order.id) == []
    assert await check.fulfillment_requests.pending(10) == []
    stored = await check.orders.get(world.order.id)
    assert stored is not None
    assert_same_fields(stored, mine)


async def test_amounts_keep_every_digit_the_columns_allow(uow_factory: UowFactory) -> None:
    amount = "123456789012.12345678"  # Numeric(20, 8): 12 digits before the point, 8 after
    product = make_product(price=amount)
    order = make_order(make_item(product, 1))
    payment = make_payment(order.id, actually_paid=amount)
    uow = uow_factory()
    await store(uow, products=[product], orders=[order])
    await uow.payments.add(payment)
    await uow.commit()

    reader = uow_factory()
    stored_product = await reader.products.get(product.id)
    stored_order = await reader.orders.get(order.id)
    (stored_payment,) = await reader.payments.list_for_order(order.id)
    assert stored_product is not None
    assert stored_order is not None
    assert stored_product.price.amount == Decimal(amount)
    assert stored_order.items[0].unit_price.amount == Decimal(amount)
    assert stored_payment.actually_paid == Decimal(amount)
