"""ProductRepository: lookups, availability from own stock, and unique SKUs."""

import asyncio
from dataclasses import replace

from bitloot.domain.product import Product, SupplierKind
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    assert_same_fields,
    expect_conflict,
    make_item,
    make_order,
    make_product,
    make_stock,
    store,
)
from tests.support.racing import committed


async def test_a_product_round_trips_by_id_and_by_sku(uow_factory: UowFactory) -> None:
    own = make_product(price="19.99", available=0)
    kinguin = make_product(supplier=SupplierKind.KINGUIN, price="0.00000001", currency="usdt", available=7)
    await store(uow_factory(), products=[own, kinguin])

    uow = uow_factory()
    for product in (own, kinguin):
        by_id = await uow.products.get(product.id)
        by_sku = await uow.products.get_by_sku(product.sku)
        assert by_id is not None
        assert by_sku is not None
        assert_same_fields(by_id, product)
        assert_same_fields(by_sku, product)
    assert await uow.products.get("no-such-product") is None
    assert await uow.products.get_by_sku("NO-SUCH-SKU") is None


async def test_own_stock_availability_is_counted_from_unallocated_units(uow_factory: UowFactory) -> None:
    # What the caller claims as `available` for an own-stock product is not kept: stock is the truth.
    own = make_product(available=99)
    kinguin = make_product(supplier=SupplierKind.KINGUIN, available=7)
    order = make_order(make_item(own, quantity=2))
    uow = uow_factory()
    await store(uow, products=[own, kinguin], orders=[order])
    await uow.stock.add_many(make_stock(own, 5))
    await uow.commit()

    async def availability() -> list[int]:
        reader = uow_factory()
        counts = [
            (await reader.products.get(own.id) or own).available,
            (await reader.products.get_by_sku(own.sku) or own).available,
            (await reader.products.get_many([own.id]))[own.id].available,
            next(p for p in await reader.products.list() if p.id == own.id).available,
        ]
        await reader.rollback()
        return counts

    assert await availability() == [5, 5, 5, 5]

    writer = uow_factory()
    await writer.stock.allocate(own.id, order.id, order.items[0].id, 2)
    # A unit of work sees its own allocation at once.
    assert (await writer.products.get(own.id) or own).available == 3
    await writer.commit()

    assert await availability() == [3, 3, 3, 3]
    reader = uow_factory()
    stored_kinguin = await reader.products.get(kinguin.id)
    assert stored_kinguin is not None
    assert stored_kinguin.available == 7


async def test_a_kinguin_product_keeps_its_reported_availability(uow_factory: UowFactory) -> None:
    kinguin = make_product(supplier=SupplierKind.KINGUIN, available=42)
    await store(uow_factory(), products=[kinguin])

    uow = uow_factory()
    listed = {p.id: p for p in await uow.products.list()}
    assert listed[kinguin.id].available == 42
    assert (await uow.products.get_many([kinguin.id]))[kinguin.id].available == 42


async def test_list_returns_every_product(uow_factory: UowFactory) -> None:
    products = [make_product(sku=sku) for sku in ("C-3", "A-1", "B-2")]
    products.append(make_product(sku="K-1", supplier=SupplierKind.KINGUIN, available=3))
    await store(uow_factory(), products=products)

    listed = await uow_factory().products.list()

    assert sorted(p.id for p in listed) == sorted(p.id for p in products)
    by_id = {p.id: p for p in listed}
    for product in products:
        assert_same_fields(by_id[product.id], product)


async def test_get_many_returns_only_the_known_ids(uow_factory: UowFactory) -> None:
    first, second, third = make_product(), make_product(), make_product(supplier=SupplierKind.KINGUIN)
    await store(uow_factory(), products=[first, second, third])

    uow = uow_factory()
    found = await uow.products.get_many([third.id, "missing", first.id])
    assert set(found) == {first.id, third.id}
    assert_same_fields(found[first.id], first)
    assert_same_fields(found[third.id], third)
    assert await uow.products.get_many([]) == {}
    assert await uow.products.get_many(["missing"]) == {}


async def test_a_product_is_read_in_its_own_unit_before_commit(uow_factory: UowFactory) -> None:
    product = make_product()
    uow = uow_factory()
    await uow.products.add(product)

    assert await uow.products.get(product.id) is not None
    assert await uow.products.get_by_sku(product.sku) is not None
    assert [p.id for p in await uow.products.list()] == [product.id]
    await uow.rollback()
    assert await uow.products.get(product.id) is None


async def test_a_taken_sku_conflicts(uow_factory: UowFactory) -> None:
    first = make_product(sku="DUPLICATE")
    await store(uow_factory(), products=[first])
    second = make_product(sku="DUPLICATE")

    uow = uow_factory()
    await expect_conflict(uow, lambda: uow.products.add(second))

    check = uow_factory()
    assert await check.products.get(second.id) is None
    stored = await check.products.get_by_sku("DUPLICATE")
    assert stored is not None
    assert stored.id == first.id


async def test_one_sku_twice_in_one_unit_conflicts(uow_factory: UowFactory) -> None:
    first, second = make_product(sku="TWICE"), make_product(sku="TWICE")
    uow = uow_factory()
    await uow.products.add(first)

    await expect_conflict(uow, lambda: uow.products.add(second))

    check = uow_factory()
    assert await check.products.list() == []


async def test_a_taken_product_id_conflicts(uow_factory: UowFactory) -> None:
    product = make_product()
    await store(uow_factory(), products=[product])
    impostor = replace(product, sku="OTHER-SKU", name="Impostor")

    uow = uow_factory()
    await expect_conflict(uow, lambda: uow.products.add(impostor))

    stored = await uow_factory().products.get(product.id)
    assert stored is not None
    assert_same_fields(stored, product)


async def test_of_two_concurrent_units_adding_one_sku_exactly_one_wins(uow_factory: UowFactory) -> None:
    contenders = [make_product(sku="RACE"), make_product(sku="RACE")]

    async def add(product: Product) -> bool:
        uow = uow_factory()
        # Held open a moment: the other unit stages its insert too.
        return await committed(uow, lambda: uow.products.add(product), hold=0.01)

    outcomes = await asyncio.gather(*(add(product) for product in contenders))

    assert sorted(outcomes) == [False, True]
    winner = contenders[outcomes.index(True)]
    listed = await uow_factory().products.list()
    assert [p.id for p in listed] == [winner.id]
