"""BlobReferences: which of a batch of blob paths a delivered key or a stock unit names."""

from datetime import timedelta

from bitloot.domain.ids import new_id
from bitloot.domain.keys import order_key_path, stock_key_path
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    T0,
    make_item,
    make_order,
    make_product,
    make_sealed_key,
    make_stock,
    store,
)


async def referenced(uow_factory: UowFactory, paths: list[str]) -> set[str]:
    uow = uow_factory()
    found = await uow.blob_references.referenced(paths)
    await uow.rollback()
    return found


async def test_only_the_paths_a_delivered_key_or_a_stock_unit_names_are_referenced(
    uow_factory: UowFactory,
) -> None:
    product = make_product()
    order = make_order(make_item(product, quantity=2))
    item = order.items[0]
    units = make_stock(product, 3)
    uow = uow_factory()
    await store(uow, products=[product], orders=[order])
    await uow.stock.add_many(units)
    await uow.commit()
    # Two units sold: allocated to the item, each delivered as a key of its own.
    uow = uow_factory()
    sold = await uow.stock.allocate(product.id, order.id, item.id, 2)
    keys = [make_sealed_key(order, item, source_key_id=unit.id) for unit in sold]
    for key in keys:
        assert await uow.keys.add(key) is True
    await uow.commit()
    # A purged key's row still names its path (its blob is gone): it counts too.
    uow = uow_factory()
    assert await uow.keys.mark_purged(keys[0].id, T0 + timedelta(days=40)) is True
    await uow.commit()

    named = {unit.blob_path for unit in units} | {key.blob_path for key in keys}
    orphans = [order_key_path(order.id, new_id()), stock_key_path(product.id, new_id()), "keys/x/y"]
    assert await referenced(uow_factory, [*named, *orphans]) == named
    assert await referenced(uow_factory, orphans) == set()
    assert await referenced(uow_factory, [keys[1].blob_path, keys[1].blob_path]) == {keys[1].blob_path}
    assert await referenced(uow_factory, []) == set()


async def test_a_row_counts_once_committed_and_in_its_own_unit_before(uow_factory: UowFactory) -> None:
    product = make_product()
    await store(uow_factory(), products=[product])
    [unit] = make_stock(product, 1)

    writer = uow_factory()
    await writer.stock.add_many([unit])
    assert await writer.blob_references.referenced([unit.blob_path]) == {unit.blob_path}
    await writer.rollback()
    assert await referenced(uow_factory, [unit.blob_path]) == set()

    writer = uow_factory()
    await writer.stock.add_many([unit])
    await writer.commit()
    assert await referenced(uow_factory, [unit.blob_path]) == {unit.blob_path}


async def test_a_whole_page_is_asked_at_once(uow_factory: UowFactory) -> None:
    product = make_product()
    units = make_stock(product, 5)
    uow = uow_factory()
    await store(uow, products=[product])
    await uow.stock.add_many(units)
    await uow.commit()

    page = [stock_key_path(product.id, new_id()) for _ in range(495)] + [u.blob_path for u in units]
    assert await referenced(uow_factory, sorted(page)) == {u.blob_path for u in units}
