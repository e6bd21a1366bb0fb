"""StockRepository and ProductRepository for the operator (docs/stock-integrity.md): each unit's state
(available, reserved, sold, withdrawn), pages of units without gaps, counts per state, withdrawing only
available units, allocation never handing out a withdrawn one (also racing, on PostgreSQL too), low
stock, and saving the operator's product changes."""

import asyncio
from dataclasses import replace

import pytest

from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.errors import OutOfStock
from bitloot.domain.keys import StockKey
from bitloot.domain.money import Money
from bitloot.domain.product import Product, SupplierKind
from bitloot.domain.redemption import Redemption
from bitloot.domain.stock import StockCounts, StockCursor, StockState, StockUnitView
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    assert_same_fields,
    at,
    make_item,
    make_order,
    make_product,
    make_sealed_key,
    make_stock,
    store,
)

BY = "admin token"
REASON = "leaked on a forum"


async def stock_of(uow_factory: UowFactory, product: Product, units: list[StockKey]) -> None:
    uow = uow_factory()
    await uow.stock.add_many(units)
    await uow.commit()


async def one_of_each_state(uow_factory: UowFactory) -> tuple[Product, dict[StockState, StockKey], str]:
    """A product with one unit in each state; the order id the reserved and sold units belong to."""
    product = make_product()
    order = make_order(make_item(product), make_item(product))
    await store(uow_factory(), products=[product], orders=[order])
    units = [replace(unit, created_at=at(n)) for n, unit in enumerate(make_stock(product, 4))]
    await stock_of(uow_factory, product, units)
    uow = uow_factory()
    sold_item, reserved_item = order.items
    [sold] = await uow.stock.allocate(product.id, order.id, sold_item.id, 1)
    [reserved] = await uow.stock.allocate(product.id, order.id, reserved_item.id, 1)
    assert await uow.keys.add(make_sealed_key(order, sold_item, source_key_id=sold.id))
    left = [u for u in units if u.id not in (sold.id, reserved.id)]
    assert await uow.stock.withdraw(product.id, [left[0].id], at(100), BY, REASON) == [left[0].id]
    await uow.commit()
    states = {
        StockState.SOLD: sold,
        StockState.RESERVED: reserved,
        StockState.WITHDRAWN: left[0],
        StockState.AVAILABLE: left[1],
    }
    return product, states, order.id


async def test_each_unit_has_its_state_and_never_its_key(uow_factory: UowFactory) -> None:
    product, units, order_id = await one_of_each_state(uow_factory)

    uow = uow_factory()
    views = await uow.stock.views([u.id for u in units.values()] + ["no-such-unit"])
    listed = await uow.stock.units(product.id, None, None, 10)
    await uow.rollback()

    assert sorted(views) == sorted(u.id for u in units.values())
    for state, unit in units.items():
        view = views[unit.id]
        allocated = state in (StockState.SOLD, StockState.RESERVED)
        withdrawn = state is StockState.WITHDRAWN
        expected = StockUnitView(
            id=unit.id,
            product_id=product.id,
            state=state,
            imported_at=unit.created_at,
            order_id=order_id if allocated else None,
            withdrawn_at=at(100) if withdrawn else None,
            withdrawn_by=BY if withdrawn else None,
            withdrawn_reason=REASON if withdrawn else None,
        )
        assert_same_fields(view, expected)
        assert "wrapped" not in repr(view)
    assert [v.id for v in listed] == sorted(
        (u.id for u in units.values()), key=lambda i: views[i].imported_at
    )


async def test_units_are_listed_by_state(uow_factory: UowFactory) -> None:
    product, units, _ = await one_of_each_state(uow_factory)

    uow = uow_factory()
    for state, unit in units.items():
        assert [v.id for v in await uow.stock.units(product.id, state, None, 10)] == [unit.id]
    assert await uow.stock.units(make_product().id, None, None, 10) == []


async def test_counts_per_state_for_every_product_in_one_call(uow_factory: UowFactory) -> None:
    product, _, _ = await one_of_each_state(uow_factory)
    other = make_product()
    await store(uow_factory(), products=[other])
    await stock_of(uow_factory, other, make_stock(other, 3))

    uow = uow_factory()
    every = await uow.stock.counts()
    chosen = await uow.stock.counts([other.id, "no-such-product"])
    await uow.rollback()

    assert every[product.id] == StockCounts(available=1, reserved=1, sold=1, withdrawn=1)
    assert every[other.id] == StockCounts(available=3)
    assert chosen == {other.id: StockCounts(available=3)}
    assert every[product.id].of(StockState.WITHDRAWN) == 1


async def test_pages_of_units_leave_no_gap_and_repeat_none(uow_factory: UowFactory) -> None:
    # Several units share an import instant, so a page boundary falls between two of them.
    product = make_product()
    await store(uow_factory(), products=[product])
    units = [replace(unit, created_at=at(n // 3)) for n, unit in enumerate(make_stock(product, 10))]
    await stock_of(uow_factory, product, units)

    uow = uow_factory()
    seen: list[str] = []
    after: StockCursor | None = None
    for _ in range(10):
        page = await uow.stock.units(product.id, StockState.AVAILABLE, after, 3)
        if not page:
            break
        seen += [v.id for v in page]
        after = StockCursor(page[-1].imported_at, page[-1].id)
    await uow.rollback()

    assert seen == [u.id for u in sorted(units, key=lambda u: (u.created_at, u.id))]


async def test_withdraw_takes_only_available_units_of_the_product(uow_factory: UowFactory) -> None:
    product, units, _ = await one_of_each_state(uow_factory)
    other = make_product()
    await store(uow_factory(), products=[other])
    [foreign] = make_stock(other, 1)
    await stock_of(uow_factory, other, [foreign])

    uow = uow_factory()
    asked = [*(u.id for u in units.values()), foreign.id, "no-such-unit"]
    taken = await uow.stock.withdraw(product.id, asked, at(200), BY, "second try")
    assert taken == [units[StockState.AVAILABLE].id]
    await uow.commit()

    uow = uow_factory()
    views = await uow.stock.views(asked)
    # The unit withdrawn earlier keeps its first withdrawal; the foreign unit stays available.
    assert views[units[StockState.WITHDRAWN].id].withdrawn_reason == REASON
    assert views[foreign.id].state is StockState.AVAILABLE
    assert (await uow.stock.counts([product.id]))[product.id] == StockCounts(reserved=1, sold=1, withdrawn=2)


async def test_allocation_never_hands_out_a_withdrawn_unit(uow_factory: UowFactory) -> None:
    product = make_product()
    order = make_order(make_item(product, quantity=2), make_item(product, quantity=1))
    await store(uow_factory(), products=[product], orders=[order])
    units = make_stock(product, 3)
    await stock_of(uow_factory, product, units)
    uow = uow_factory()
    withdrawn = sorted(u.id for u in units)[:2]
    assert await uow.stock.withdraw(product.id, withdrawn, at(1), BY, REASON) == withdrawn
    await uow.commit()

    uow = uow_factory()
    assert await uow.stock.count_available(product.id) == 1
    assert (await uow.products.get(product.id) or product).available == 1
    with pytest.raises(OutOfStock):
        await uow.stock.allocate(product.id, order.id, order.items[0].id, 2)
    await uow.rollback()
    uow = uow_factory()
    [given] = await uow.stock.allocate(product.id, order.id, order.items[1].id, 1)
    assert given.id not in withdrawn
    await uow.commit()


async def test_a_withdrawn_unit_keeps_its_envelope(uow_factory: UowFactory) -> None:
    # The sealed blob and the wrapped data key stay (docs/stock-integrity.md): key rotation still
    # finds the unit, and its blob path is unchanged.
    product = make_product()
    await store(uow_factory(), products=[product])
    [unit] = make_stock(product, 1)
    await stock_of(uow_factory, product, [unit])
    uow = uow_factory()
    await uow.stock.withdraw(product.id, [unit.id], at(1), BY, REASON)
    await uow.commit()

    uow = uow_factory()
    [rotatable] = await uow.stock.wrapped_elsewhere(unit.key_version + 1, "", 10)
    await uow.rollback()
    assert_same_fields(rotatable, replace(unit, withdrawn_at=at(1), withdrawn_by=BY, withdrawn_reason=REASON))


async def _allocate(uow_factory: UowFactory, product_id: str, order_id: str, item_id: str) -> list[str]:
    """A fulfilment worker: allocate two units, hold the transaction, commit; retry a lost race."""
    for _ in range(10):
        uow = uow_factory()
        try:
            units = await uow.stock.allocate(product_id, order_id, item_id, 2)
            await asyncio.sleep(0.02)
            await uow.commit()
        except ConcurrencyConflict:
            await uow.rollback()
            continue
        except OutOfStock:
            await uow.rollback()
            return []
        return [u.id for u in units]
    raise AssertionError("allocation kept conflicting")


async def _withdraw(uow_factory: UowFactory, product_id: str, unit_ids: list[str]) -> list[str]:
    """An operator: withdraw every unit, hold the transaction, commit; retry a lost race."""
    for _ in range(10):
        uow = uow_factory()
        try:
            taken = await uow.stock.withdraw(product_id, unit_ids, at(5), BY, REASON)
            await asyncio.sleep(0.02)
            await uow.commit()
        except ConcurrencyConflict:
            await uow.rollback()
            continue
        return taken
    raise AssertionError("withdrawal kept conflicting")


@pytest.mark.parametrize("withdraw_first", [True, False], ids=["withdraw-first", "allocate-first"])
async def test_a_withdrawal_racing_an_allocation_never_lets_both_take_a_unit(
    uow_factory: UowFactory, withdraw_first: bool
) -> None:
    product = make_product()
    order = make_order(make_item(product, quantity=2))
    await store(uow_factory(), products=[product], orders=[order])
    units = make_stock(product, 3)
    await stock_of(uow_factory, product, units)
    unit_ids = [u.id for u in units]

    async def allocate() -> list[str]:
        if withdraw_first:
            await asyncio.sleep(0.005)
        return await _allocate(uow_factory, product.id, order.id, order.items[0].id)

    async def withdraw() -> list[str]:
        if not withdraw_first:
            await asyncio.sleep(0.005)
        return await _withdraw(uow_factory, product.id, unit_ids)

    allocated, withdrawn = await asyncio.gather(allocate(), withdraw())

    assert not set(allocated) & set(withdrawn), "a unit was both allocated and withdrawn"
    # Whoever came second got what the first left: all of it, or too little (an empty allocation).
    assert len(allocated) + len(withdrawn) == 3 if allocated else withdrawn == sorted(unit_ids)
    uow = uow_factory()
    views = await uow.stock.views(unit_ids)
    await uow.rollback()
    assert {u for u, v in views.items() if v.state is StockState.RESERVED} == set(allocated)
    assert {u for u, v in views.items() if v.state is StockState.WITHDRAWN} == set(withdrawn)


async def test_two_withdrawals_racing_over_the_same_units_take_each_unit_once(
    uow_factory: UowFactory,
) -> None:
    # Two operators withdraw overlapping units at once, naming them in opposite orders: each unit is
    # answered as withdrawn to one of them only, so each audit record counts what it really took.
    product = make_product()
    await store(uow_factory(), products=[product])
    units = make_stock(product, 4)
    await stock_of(uow_factory, product, units)
    unit_ids = sorted(u.id for u in units)

    first, second = await asyncio.gather(
        _withdraw(uow_factory, product.id, unit_ids[:3]),
        _withdraw(uow_factory, product.id, list(reversed(unit_ids[1:]))),
    )

    assert not set(first) & set(second), "a unit was withdrawn twice"
    assert sorted(first + second) == unit_ids
    uow = uow_factory()
    counts = await uow.stock.counts([product.id])
    await uow.rollback()
    assert counts[product.id] == StockCounts(withdrawn=4)


async def test_low_stock_is_listed_own_stock_at_or_below_its_threshold(uow_factory: UowFactory) -> None:
    low = make_product(sku="A-LOW", low_stock_threshold=2)
    at_zero = make_product(sku="B-ZERO", low_stock_threshold=0)
    plenty = make_product(sku="C-PLENTY", low_stock_threshold=2)
    withdrawn = make_product(sku="D-WITHDRAWN", low_stock_threshold=2)
    unlisted = make_product(sku="E-UNLISTED", listed=False)
    kinguin = make_product(sku="F-KINGUIN", supplier=SupplierKind.KINGUIN, available=0)
    await store(uow_factory(), products=[low, at_zero, plenty, withdrawn, unlisted, kinguin])
    uow = uow_factory()
    await uow.stock.add_many([*make_stock(low, 2), *make_stock(plenty, 3)])
    spare = make_stock(withdrawn, 3)
    await uow.stock.add_many(spare)
    await uow.stock.withdraw(withdrawn.id, [spare[0].id], at(1), BY, REASON)
    await uow.commit()

    uow = uow_factory()
    found = await uow.products.low_stock()
    await uow.rollback()

    assert [(p.sku, p.available) for p in found] == [("A-LOW", 2), ("B-ZERO", 0), ("D-WITHDRAWN", 2)]


async def test_the_operator_s_changes_of_a_product_are_saved_and_nothing_else(
    uow_factory: UowFactory,
) -> None:
    product = make_product(price="10.00")
    await store(uow_factory(), products=[product])
    redemption = Redemption(
        "Steam", "Open Steam, then Games > Activate.", "https://store.steampowered.com/account/"
    )
    changed = replace(
        product,
        name="Renamed",
        price=Money.of("12.50", "EUR"),
        listed=False,
        low_stock_threshold=0,
        redemption=redemption,
    )

    uow = uow_factory()
    await uow.products.save(
        replace(changed, sku="OTHER-SKU", supplier=SupplierKind.KINGUIN, supplier_product_id="kg")
    )
    assert_same_fields(await uow.products.get(product.id), changed)
    await uow.commit()

    uow = uow_factory()
    assert_same_fields(await uow.products.get(product.id), changed)
    await uow.products.save(replace(changed, redemption=replace(redemption, activation_url=None)))
    await uow.commit()
    uow = uow_factory()
    stored = await uow.products.get(product.id)
    await uow.rollback()
    assert stored is not None
    assert stored.redemption == replace(redemption, activation_url=None)


async def test_a_new_product_is_listed_with_the_default_threshold(uow_factory: UowFactory) -> None:
    product = Product(
        id=make_product().id,
        sku="PLAIN-1",
        name="Plain",
        price=Money.of("1", "EUR"),
        supplier=SupplierKind.STOCK,
    )
    await store(uow_factory(), products=[product])

    uow = uow_factory()
    stored = await uow.products.get(product.id)
    await uow.rollback()
    assert stored is not None
    assert (stored.listed, stored.low_stock_threshold, stored.redemption) == (True, 5, None)
