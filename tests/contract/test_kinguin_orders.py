"""KinguinOrderRepository and ProductRepository.set_supplier_availability, on every adapter: one
Kinguin order per item, and availability reports applied newest first."""

import asyncio
from dataclasses import replace

from bitloot.domain.kinguin import KinguinOrder
from bitloot.domain.product import SupplierKind
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    assert_same_fields,
    at,
    expect_conflict,
    make_item,
    make_order,
    make_product,
    store,
)
from tests.support.racing import committed


async def _order_with_item(uow_factory: UowFactory) -> tuple[str, str]:
    product = make_product(supplier=SupplierKind.KINGUIN)
    order = make_order(make_item(product, quantity=2))
    await store(uow_factory(), products=[product], orders=[order])
    return order.id, order.items[0].id


async def test_a_kinguin_order_round_trips_by_item(uow_factory: UowFactory) -> None:
    order_id, item_id = await _order_with_item(uow_factory)
    recorded = KinguinOrder(item_id, order_id, "PHS84FJAG5U", "processing", at(0))
    uow = uow_factory()
    assert await uow.kinguin_orders.get(item_id) is None
    await uow.kinguin_orders.add(recorded)
    # A unit of work sees its own write at once.
    staged = await uow.kinguin_orders.get(item_id)
    assert staged is not None
    assert_same_fields(staged, recorded)
    await uow.commit()

    reader = uow_factory()
    found = await reader.kinguin_orders.get(item_id)
    await reader.rollback()
    assert found is not None
    assert_same_fields(found, recorded)


async def test_an_order_without_a_time_keeps_none(uow_factory: UowFactory) -> None:
    order_id, item_id = await _order_with_item(uow_factory)
    uow = uow_factory()
    await uow.kinguin_orders.add(KinguinOrder(item_id, order_id, "KG1", "processing"))
    await uow.commit()

    found = await uow_factory().kinguin_orders.get(item_id)
    assert found is not None
    assert found.updated_at is None


async def test_an_item_has_one_kinguin_order(uow_factory: UowFactory) -> None:
    order_id, item_id = await _order_with_item(uow_factory)
    first = uow_factory()
    await first.kinguin_orders.add(KinguinOrder(item_id, order_id, "KG1", "processing"))
    await first.commit()

    second = uow_factory()
    await expect_conflict(
        second, lambda: second.kinguin_orders.add(KinguinOrder(item_id, order_id, "KG2", "processing"))
    )
    found = await uow_factory().kinguin_orders.get(item_id)
    assert found is not None
    assert found.kinguin_order_id == "KG1"


async def test_of_two_units_recording_the_same_item_one_wins(uow_factory: UowFactory, adapter: str) -> None:
    order_id, item_id = await _order_with_item(uow_factory)
    if adapter == "sqlite":
        # SQLite runs one writer at a time (the second waits for the first): the loser is refused.
        first = uow_factory()
        await first.kinguin_orders.add(KinguinOrder(item_id, order_id, "KG1", "processing"))
        await first.commit()
        second = uow_factory()
        await expect_conflict(
            second, lambda: second.kinguin_orders.add(KinguinOrder(item_id, order_id, "KG2", "processing"))
        )
        return

    async def record(kinguin_order_id: str) -> bool:
        uow = uow_factory()
        recorded = KinguinOrder(item_id, order_id, kinguin_order_id, "processing")
        return await committed(uow, lambda: uow.kinguin_orders.add(recorded))

    results = await asyncio.gather(record("KG1"), record("KG2"))
    assert sorted(results) == [False, True]


async def test_save_changes_status_and_time(uow_factory: UowFactory) -> None:
    order_id, item_id = await _order_with_item(uow_factory)
    uow = uow_factory()
    recorded = KinguinOrder(item_id, order_id, "KG1", "processing", at(0))
    await uow.kinguin_orders.add(recorded)
    await uow.commit()

    writer = uow_factory()
    found = await writer.kinguin_orders.get(item_id)
    assert found is not None
    assert found.apply_status("completed", at(5))
    await writer.kinguin_orders.save(found)
    await writer.commit()

    saved = await uow_factory().kinguin_orders.get(item_id)
    assert saved is not None
    assert_same_fields(saved, replace(recorded, status="completed", updated_at=at(5)))


async def test_the_order_of_an_item(uow_factory: UowFactory) -> None:
    order_id, item_id = await _order_with_item(uow_factory)
    uow = uow_factory()
    assert await uow.kinguin_orders.order_of_item(item_id) == order_id
    assert await uow.kinguin_orders.order_of_item("no-such-item") is None


async def test_availability_reports_apply_newest_first(uow_factory: UowFactory) -> None:
    kinguin = make_product(supplier=SupplierKind.KINGUIN, available=1)
    twin = replace(
        make_product(supplier=SupplierKind.KINGUIN), supplier_product_id=kinguin.supplier_product_id
    )
    other = make_product(supplier=SupplierKind.KINGUIN, available=4)
    own = make_product()
    await store(uow_factory(), products=[kinguin, twin, other, own])
    assert kinguin.supplier_product_id is not None

    async def availability() -> dict[str, int]:
        reader = uow_factory()
        listed = {p.id: p.available for p in await reader.products.list()}
        await reader.rollback()
        return listed

    uow = uow_factory()
    assert await uow.products.set_supplier_availability(kinguin.supplier_product_id, 845, at(10)) == 2
    # A unit of work sees its own change at once.
    assert (await uow.products.get_many([kinguin.id]))[kinguin.id].available == 845
    await uow.commit()
    assert (await availability())[kinguin.id] == 845
    assert (await availability())[twin.id] == 845

    older = uow_factory()
    assert await older.products.set_supplier_availability(kinguin.supplier_product_id, 3, at(9)) == 0
    assert await older.products.set_supplier_availability(kinguin.supplier_product_id, 3, at(10)) == 0
    await older.commit()
    newer = uow_factory()
    assert await newer.products.set_supplier_availability(kinguin.supplier_product_id, 0, at(11)) == 2
    await newer.commit()

    listed = await availability()
    assert (listed[kinguin.id], listed[twin.id], listed[other.id], listed[own.id]) == (0, 0, 4, 0)
    unknown = uow_factory()
    assert await unknown.products.set_supplier_availability("no-such-kinguin-id", 9, at(12)) == 0
    await unknown.rollback()


async def test_an_own_stock_product_is_never_set_by_a_supplier_report(uow_factory: UowFactory) -> None:
    own = replace(make_product(), supplier_product_id="1949")
    await store(uow_factory(), products=[own])

    uow = uow_factory()
    assert await uow.products.set_supplier_availability("1949", 50, at(0)) == 0
    await uow.commit()
    found = await uow_factory().products.get(own.id)
    assert found is not None
    assert found.available == 0
