"""Factories for the HTTP request bodies (the msgspec structs of entrypoints/http/schemas.py), and the
JSON a test client posts: `body(...)` writes a struct as the API reads it (camelCase, decimals as strings)
after checking it against its own schema, so a body a factory made is one the API accepts."""

from typing import Any

import msgspec
from polyfactory import PostGenerated, Use
from polyfactory.factories.msgspec_factory import MsgspecFactory

from bitloot.entrypoints.http.schemas import KeysIn, OrderLineIn, PlaceOrderIn, ProductIn, RequestSchema
from tests.factories.seed import Reproducible, code, price


class ProductInFactory(Reproducible, MsgspecFactory[ProductIn]):
    """`POST /admin/products`: an own-stock game in EUR."""

    sku = Use(lambda: f"GAME-{code(6)}")
    name = PostGenerated(lambda _, values: f"Game {values['sku']}")
    price = Use(price)
    currency = "EUR"


class OrderLineInFactory(Reproducible, MsgspecFactory[OrderLineIn]):
    """One line of an order; the caller names the product."""

    quantity = 1


class PlaceOrderInFactory(Reproducible, MsgspecFactory[PlaceOrderIn]):
    """`POST /orders`: a customer's order; the caller gives its `items`."""

    email = Use(lambda: f"player-{code(6).lower()}@example.com")


class KeysInFactory(Reproducible, MsgspecFactory[KeysIn]):
    """`POST /admin/products/{id}/keys`: a few text keys."""

    keys = Use(lambda: [f"KEY-{code(4)}-{code(4)}" for _ in range(3)])


def body(request: RequestSchema) -> dict[str, Any]:
    """`request` as JSON for a test client; refuses a struct its own schema would refuse."""
    msgspec.json.decode(msgspec.json.encode(request), type=type(request))
    encoded: dict[str, Any] = msgspec.to_builtins(request)
    return encoded


def product_body(**fields: Any) -> dict[str, Any]:
    return body(ProductInFactory.build(**fields))


def order_body(product_id: str, quantity: int = 1, **fields: Any) -> dict[str, Any]:
    """An order of `quantity` of one product."""
    line = OrderLineInFactory.build(product_id=product_id, quantity=quantity)
    return body(PlaceOrderInFactory.build(items=[line], **fields))


def keys_body(keys: list[str] | None = None) -> dict[str, Any]:
    return body(KeysInFactory.build() if keys is None else KeysInFactory.build(keys=keys))
