"""PlaceOrder: catalog prices, validation that stores nothing, and a token that is never kept."""

import base64
import copy
import dataclasses
import hashlib
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest

from bitloot.application.use_cases.create_product import CreateProduct, CreateProductRequest
from bitloot.application.use_cases.place_order import OrderLine, PlacedOrder, PlaceOrderRequest
from bitloot.domain.errors import InvalidValue, OutOfStock, Refusal
from bitloot.domain.money import Money
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import Product, SupplierKind
from tests.support.actors import CLI
from tests.unit.conftest import BASE_URL, World

EMAIL = "player@example.com"


def strings_in(value: object) -> Iterator[str]:
    """Every str (and bytes, decoded leniently) reachable from `value`, whatever fields hide from repr."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes | bytearray):
        yield bytes(value).decode("latin-1")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from strings_in(getattr(value, f.name))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings_in(k)
            yield from strings_in(v)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from strings_in(v)
    else:
        yield repr(value)


async def place(world: World, *lines: tuple[Product, int], email: str = EMAIL) -> PlacedOrder:
    return await world.place_order_use_case().execute(
        PlaceOrderRequest(email, [OrderLine(product.id, quantity) for product, quantity in lines])
    )


async def assert_refused_and_nothing_stored(
    world: World, request: PlaceOrderRequest, error: type[Refusal]
) -> Refusal:
    before = copy.deepcopy(world.db)
    with pytest.raises(error) as caught:
        await world.place_order_use_case().execute(request)
    assert world.db.orders == {}
    assert world.db == before
    return caught.value


async def test_prices_and_currency_come_from_the_catalog(world: World) -> None:
    game = await world.product("GAME-1", price="19.99", keys=["A1", "A2", "A3"])
    dlc = await world.product("DLC-1", price="4.50", keys=["B1"])

    placed = await place(world, (game, 3), (dlc, 1))

    order = placed.order
    assert [(i.product_id, i.quantity, i.unit_price) for i in order.items] == [
        (game.id, 3, Money.of("19.99", "EUR")),
        (dlc.id, 1, Money.of("4.50", "EUR")),
    ]
    assert order.currency == "EUR"
    assert order.total == Money.of("64.47", "EUR")
    assert order.status is OrderStatus.AWAITING_PAYMENT
    assert order.email == EMAIL
    assert len({i.id for i in order.items}) == 2
    stored = world.db.orders[order.id]
    assert stored.items == order.items
    assert stored.total == Money.of("64.47", "EUR")


async def test_placing_an_order_reserves_nothing_yet(world: World) -> None:
    game = await world.product(keys=["A1", "A2"])
    await place(world, (game, 2))

    assert all(unit.item_id is None for unit in world.db.stock.values())
    assert world.db.requests == {}
    assert world.queue.enqueued == []


async def test_the_payment_url_is_set_and_stored(world: World) -> None:
    game = await world.product(keys=["A1"])
    placed = await place(world, (game, 1))

    assert placed.order.payment_url == f"{BASE_URL}/simulator/pay/{placed.order.id}"
    assert world.db.orders[placed.order.id].payment_url == placed.order.payment_url


async def test_the_access_token_is_256_urlsafe_bits_and_only_its_hash_is_stored(world: World) -> None:
    game = await world.product(keys=["A1", "A2"])
    first = await place(world, (game, 1))
    second = await place(world, (game, 1))

    for placed in (first, second):
        token = placed.access_token
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
        assert len(base64.urlsafe_b64decode(token + "=")) == 32
        stored = world.db.orders[placed.order.id]
        assert stored.access_token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert not any(token in text for text in strings_in(world.db))
        assert token not in repr(world.db)
    assert first.access_token != second.access_token


async def test_the_email_is_trimmed(world: World) -> None:
    game = await world.product(keys=["A1"])
    placed = await place(world, (game, 1), email="  player@example.com \n")

    assert world.db.orders[placed.order.id].email == EMAIL


async def test_an_unknown_product_is_refused(world: World) -> None:
    game = await world.product(keys=["A1"])
    request = PlaceOrderRequest(EMAIL, [OrderLine(game.id, 1), OrderLine("no-such-product", 1)])

    error = await assert_refused_and_nothing_stored(world, request, InvalidValue)
    assert "no-such-product" in str(error)


async def test_the_same_product_twice_is_refused(world: World) -> None:
    game = await world.product(keys=["A1", "A2"])
    request = PlaceOrderRequest(EMAIL, [OrderLine(game.id, 1), OrderLine(game.id, 1)])

    await assert_refused_and_nothing_stored(world, request, InvalidValue)


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "player",
        "player@",
        "@example.com",
        "player@example",
        "play er@example.com",
        "player@@example.com",
        "player@exa mple.com",
        "player@example.com\nBcc: x@y.z",
        "a" * 65 + "@example.com",
        "a@" + "b" * 250 + ".com",
        # One address, never a list: each would become a recipient of the delivery link.
        "a,someone@example.com",
        "a@example.com,someone@example.com",
        "someone@example.com, a@example.com",
        "a@example.com;someone@example.com",
        "Player <player@example.com>",
        "player@exa\rmple.com",
        "pla\nyer@example.com",
        "player@example.com\x00",
        "player@localhost",
    ],
)
async def test_a_bad_email_is_refused(world: World, email: str) -> None:
    game = await world.product(keys=["A1"])
    request = PlaceOrderRequest(email, [OrderLine(game.id, 1)])

    await assert_refused_and_nothing_stored(world, request, InvalidValue)


@pytest.mark.parametrize("quantity", [0, -1, -20, 21, 25])
async def test_a_quantity_out_of_range_is_refused_though_in_stock(world: World, quantity: int) -> None:
    game = await world.product(keys=[f"K-{n}" for n in range(25)])
    request = PlaceOrderRequest(EMAIL, [OrderLine(game.id, quantity)])

    await assert_refused_and_nothing_stored(world, request, InvalidValue)
    assert all(unit.item_id is None for unit in world.db.stock.values())


async def test_no_lines_or_too_many_lines_are_refused(world: World) -> None:
    products = [await world.product(f"GAME-{n}", keys=[f"K-{n}"]) for n in range(11)]

    await assert_refused_and_nothing_stored(world, PlaceOrderRequest(EMAIL, []), InvalidValue)
    too_many = PlaceOrderRequest(EMAIL, [OrderLine(p.id, 1) for p in products])
    await assert_refused_and_nothing_stored(world, too_many, InvalidValue)
    placed = await world.place_order_use_case().execute(
        PlaceOrderRequest(EMAIL, [OrderLine(p.id, 1) for p in products[:10]])
    )
    assert len(placed.order.items) == 10


async def test_more_than_is_in_stock_is_refused(world: World) -> None:
    game = await world.product(keys=["A1", "A2"])

    await assert_refused_and_nothing_stored(
        world, PlaceOrderRequest(EMAIL, [OrderLine(game.id, 3)]), OutOfStock
    )
    placed = await place(world, (game, 2))
    assert world.db.orders[placed.order.id].items[0].quantity == 2


async def test_a_product_without_stock_is_refused(world: World) -> None:
    game = await world.product()

    await assert_refused_and_nothing_stored(
        world, PlaceOrderRequest(EMAIL, [OrderLine(game.id, 1)]), OutOfStock
    )


async def test_products_priced_in_different_currencies_are_refused(world: World) -> None:
    game = await world.product(keys=["A1"])
    dollar_game = await CreateProduct(world.uow(), world.clock).execute(
        CreateProductRequest("US-1", "US game", Decimal("9.99"), "USD", SupplierKind.KINGUIN, "kg-1"), CLI
    )
    request = PlaceOrderRequest(EMAIL, [OrderLine(game.id, 1), OrderLine(dollar_game.id, 1)])

    await assert_refused_and_nothing_stored(world, request, InvalidValue)


async def test_a_kinguin_product_is_not_held_to_own_stock(world: World) -> None:
    kinguin = await CreateProduct(world.uow(), world.clock).execute(
        CreateProductRequest("KG-1", "Kinguin game", Decimal("7.00"), "EUR", SupplierKind.KINGUIN, "kg-1"),
        CLI,
    )
    placed = await place(world, (kinguin, 3))

    assert placed.order.total == Money.of("21.00", "EUR")
    assert placed.order.id in world.db.orders
