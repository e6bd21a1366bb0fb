"""WithdrawStock and the operator's stock reads (docs/stock-integrity.md): only available units are
withdrawn, every other one is refused with its reason; a withdrawn key is never sold and never
imported again; units page by state; low stock lists what runs out."""

import asyncio

import pytest

from bitloot.application.errors import NotFound
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.import_stock import RefusalReason
from bitloot.application.use_cases.list_low_stock import ListLowStock
from bitloot.application.use_cases.list_product_stock import ListProductStock
from bitloot.application.use_cases.list_stock_units import ListStockUnits
from bitloot.application.use_cases.update_product import UpdateProduct, UpdateProductRequest
from bitloot.application.use_cases.withdraw_stock import (
    UnitWithdrawal,
    WithdrawStock,
    WithdrawStockRequest,
)
from bitloot.domain.errors import InvalidValue, OutOfStock
from bitloot.domain.operator_audit import ActionKind, TargetKind
from bitloot.domain.product import Product
from bitloot.domain.stock import StockCounts, StockState
from tests.support.actors import ADMIN_TOKEN, CLI
from tests.unit.conftest import World


def withdraw(world: World) -> WithdrawStock:
    return WithdrawStock(world.uow(), world.clock)


def units_of(world: World, product: Product) -> list[str]:
    return sorted(u.id for u in world.db.stock.values() if u.product_id == product.id)


async def test_available_units_are_withdrawn_and_the_others_refused_with_their_reason(world: World) -> None:
    sold = await world.fulfilled_order(keys=["SOLD-1", "FREE-1", "FREE-2", "RESERVED-1"])
    product_id = sold.order.items[0].product_id
    product = world.db.products[product_id]
    reserved = await world.order(product)
    await world.pay(reserved)
    # Allocate for the paid order without delivering: the unit is reserved.
    uow = world.uow()
    [reserved_unit] = await uow.stock.allocate(product_id, reserved.order.id, reserved.order.items[0].id, 1)
    await uow.commit()
    other = await world.product("OTHER", keys=["OTHER-1"])
    sold_unit = next(u.id for u in world.db.stock.values() if u.order_id == sold.order.id)
    free = sorted(u.id for u in world.db.stock.values() if u.product_id == product_id and u.item_id is None)
    foreign = next(u.id for u in world.db.stock.values() if u.product_id == other.id)

    result = await withdraw(world).execute(
        WithdrawStockRequest(
            product_id, [free[0], sold_unit, reserved_unit.id, foreign, "no-such", free[0]], "leaked"
        ),
        ADMIN_TOKEN,
    )
    again = await withdraw(world).execute(
        WithdrawStockRequest(product_id, [free[0], free[1]], " leaked too "), CLI
    )

    assert result.units == (
        UnitWithdrawal(free[0], withdrawn=True),
        UnitWithdrawal(sold_unit, withdrawn=False, refusal="already sold"),
        UnitWithdrawal(reserved_unit.id, withdrawn=False, refusal=f"reserved for order {reserved.order.id}"),
        UnitWithdrawal(foreign, withdrawn=False, refusal="not this product's"),
        UnitWithdrawal("no-such", withdrawn=False, refusal="not this product's"),
    )
    assert (result.withdrawn, result.available) == (1, 1)
    assert again.units == (
        UnitWithdrawal(free[0], withdrawn=False, refusal="already withdrawn"),
        UnitWithdrawal(free[1], withdrawn=True),
    )
    assert again.available == 0
    unit = world.db.stock[free[1]]
    assert (unit.withdrawn_at, unit.withdrawn_by, unit.withdrawn_reason) == (
        world.clock.now(),
        "command line",
        "leaked too",
    )
    first, second = [a for a in world.db.operator_actions if a.kind is ActionKind.STOCK_WITHDRAWN]
    assert (first.target_kind, first.target_id, first.actor) == (TargetKind.PRODUCT, product_id, ADMIN_TOKEN)
    assert first.detail == "withdrew 1, refused 4: leaked"
    assert second.detail == "withdrew 1, refused 1: leaked too"


async def test_nothing_withdrawn_is_not_audited(world: World) -> None:
    product = await world.product(keys=["K-1"])
    audited = len(world.db.operator_actions)

    result = await withdraw(world).execute(WithdrawStockRequest(product.id, ["no-such"], "typo"), CLI)

    assert result.withdrawn == 0
    assert len(world.db.operator_actions) == audited


@pytest.mark.parametrize(
    ("unit_ids", "reason", "message"),
    [
        ([], "why", "Withdraw 1 to 500 units at once."),
        ([f"u{n}" for n in range(501)], "why", "Withdraw 1 to 500 units at once."),
        (["u1"], "  ", "A withdrawal reason is 1 to 200 characters."),
        (["u1"], "r" * 201, "A withdrawal reason is 1 to 200 characters."),
    ],
)
async def test_a_bad_request_withdraws_nothing(
    world: World, unit_ids: list[str], reason: str, message: str
) -> None:
    product = await world.product(keys=["K-1"])

    with pytest.raises(InvalidValue, match=message):
        await withdraw(world).execute(WithdrawStockRequest(product.id, unit_ids, reason), CLI)

    assert all(u.withdrawn_at is None for u in world.db.stock.values())


async def test_an_unknown_product_is_not_found(world: World) -> None:
    with pytest.raises(NotFound, match="No such product"):
        await withdraw(world).execute(WithdrawStockRequest("no-such-product", ["u"], "why"), CLI)


async def test_a_withdrawn_key_is_never_sold_nor_imported_again_and_keeps_its_blob(world: World) -> None:
    product = await world.product(keys=["WITHDRAWN-KEY"])
    [unit] = world.db.stock.values()
    await withdraw(world).execute(WithdrawStockRequest(product.id, [unit.id], "leaked"), CLI)

    with pytest.raises(OutOfStock):
        await world.order(product)
    again = await world.import_stock().execute(product.id, ["WITHDRAWN-KEY", " WITHDRAWN-KEY "], CLI)

    assert again.imported == 0
    assert [r.reason for r in again.refused] == [RefusalReason.IN_STOCK, RefusalReason.REPEATED]
    assert unit.blob_path in world.store.blobs
    assert world.db.stock[unit.id].wrapped_key == unit.wrapped_key


async def test_a_unit_allocated_while_it_is_withdrawn_is_never_both(any_world: World) -> None:
    world = any_world
    product = await world.product(keys=["RACE-1"])
    placed = await world.order(product)
    await world.pay(placed)
    [unit] = world.db.stock.values()

    outcome, result = await asyncio.gather(
        world.fulfill_use_case().execute(placed.order.id),
        withdraw(world).execute(WithdrawStockRequest(product.id, [unit.id], "race"), CLI),
        return_exceptions=True,
    )

    stored = world.db.stock[unit.id]
    assert not (stored.item_id is not None and stored.withdrawn_at is not None)
    assert not isinstance(result, BaseException)
    if result.withdrawn:
        assert stored.item_id is None
        assert outcome is not FulfillOutcome.FULFILLED
    else:
        assert result.units[0].refusal in ("already sold", f"reserved for order {placed.order.id}")
        assert outcome is FulfillOutcome.FULFILLED


async def test_units_page_by_state_with_a_cursor(world: World) -> None:
    product = await world.product(keys=[f"K-{n}" for n in range(5)])
    ids = sorted(world.db.stock)
    await withdraw(world).execute(WithdrawStockRequest(product.id, ids[:1], "damaged"), CLI)
    listing = ListStockUnits(world.uow())

    first = await listing.execute(product.id, StockState.AVAILABLE, limit=3)
    second = await listing.execute(product.id, StockState.AVAILABLE, after=first.next, limit=3)
    withdrawn = await listing.execute(product.id, StockState.WITHDRAWN)

    assert [u.id for u in first.units + second.units] == ids[1:]
    assert first.next is not None
    assert second.next is None
    assert [(u.id, u.withdrawn_reason) for u in withdrawn.units] == [(ids[0], "damaged")]
    with pytest.raises(InvalidValue, match="A page holds 1 to 200 units"):
        await listing.execute(product.id, limit=201)
    with pytest.raises(NotFound, match="No such product"):
        await listing.execute("no-such-product")


async def test_products_are_listed_with_counts_and_low_stock_with_its_threshold(world: World) -> None:
    low = await world.product("A-LOW", keys=["L-1", "L-2"])
    plenty = await world.product("B-PLENTY", keys=[f"P-{n}" for n in range(6)])
    hidden = await world.product("C-HIDDEN")
    await UpdateProduct(world.uow(), world.clock).execute(UpdateProductRequest(hidden.id, listed=False), CLI)
    await withdraw(world).execute(
        WithdrawStockRequest(plenty.id, sorted(units_of(world, plenty))[:1], "x"), CLI
    )

    listed = await ListProductStock(world.uow()).execute()
    low_stock = await ListLowStock(world.uow()).execute()

    assert [(p.product.sku, p.counts) for p in listed] == [
        ("A-LOW", StockCounts(available=2)),
        ("B-PLENTY", StockCounts(available=5, withdrawn=1)),
        ("C-HIDDEN", StockCounts()),
    ]
    # 5 left of B-PLENTY is at its threshold (5): low too.
    assert [(p.sku, p.available) for p in low_stock] == [("A-LOW", 2), ("B-PLENTY", 5)]
    assert low.low_stock_threshold == 5
