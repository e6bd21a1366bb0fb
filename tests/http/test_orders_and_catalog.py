"""The public catalog and placing orders (docs/http-api.md)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.http.conftest import Shop, assert_problem


async def test_catalog_shows_units_in_stock_and_prices_with_two_decimals(shop: Shop) -> None:
    stocked = await shop.product(["A-1", "A-2", "A-3"], sku="GAME-A", price="19.99")
    empty = await shop.product([], sku="GAME-B", price="5")
    round_price = await shop.product(["C-1"], sku="GAME-C", price="9.5")

    answer = await shop.client.get("/products")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    by_sku = {p["sku"]: p for p in answer.json()}
    assert by_sku == {
        "GAME-A": {
            "id": stocked["id"],
            "sku": "GAME-A",
            "name": "Game GAME-A",
            "price": "19.99",
            "currency": "EUR",
            "available": 3,
        },
        "GAME-B": {
            "id": empty["id"],
            "sku": "GAME-B",
            "name": "Game GAME-B",
            "price": "5.00",
            "currency": "EUR",
            "available": 0,
        },
        "GAME-C": {
            "id": round_price["id"],
            "sku": "GAME-C",
            "name": "Game GAME-C",
            "price": "9.50",
            "currency": "EUR",
            "available": 1,
        },
    }


async def test_catalog_counts_imports_and_sold_units(shop: Shop) -> None:
    product = await shop.product(["K-1", "K-2"])
    more = await shop.client.post(
        f"/admin/products/{product['id']}/keys", json={"keys": ["K-3"]}, headers=shop.admin
    )
    assert more.status_code == 201, more.text
    order = await shop.order(product["id"], quantity=2)
    await shop.pay(order)

    listed = (await shop.client.get("/products")).json()

    assert [p["available"] for p in listed] == [1]


async def test_placed_order_has_exactly_the_documented_shape(shop: Shop) -> None:
    first = await shop.product(["A-1", "A-2"], sku="GAME-A", price="19.99")
    second = await shop.product(["B-1"], sku="GAME-B", price="5")
    before = datetime.now(UTC)

    answer = await shop.client.post(
        "/orders",
        json={
            "email": "player@example.com",
            "items": [{"productId": first["id"], "quantity": 2}, {"productId": second["id"]}],
        },
    )

    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    order = answer.json()
    assert set(order) == {
        "id",
        "status",
        "accessToken",
        "email",
        "currency",
        "total",
        "paymentUrl",
        "items",
        "createdAt",
        "orderPageUrl",
    }
    assert order["status"] == "awaiting_payment"
    assert order["orderPageUrl"].startswith("https://shop.example/o/")
    assert order["email"] == "player@example.com"
    assert order["currency"] == "EUR"
    assert order["total"] == "44.98"
    assert order["paymentUrl"] == f"https://shop.example/simulator/pay/{order['id']}"
    assert isinstance(order["accessToken"], str)
    assert len(order["accessToken"]) >= 32
    created = datetime.fromisoformat(order["createdAt"])
    assert created.tzinfo is not None
    assert before - timedelta(seconds=5) <= created <= datetime.now(UTC) + timedelta(seconds=5)
    for item in order["items"]:
        assert set(item) == {"itemId", "productId", "quantity", "unitPrice"}
    lines = {(i["productId"], i["quantity"], i["unitPrice"]) for i in order["items"]}
    assert lines == {(first["id"], 2, "19.99"), (second["id"], 1, "5.00")}
    assert len({i["itemId"] for i in order["items"]}) == 2


async def test_access_token_is_shown_once_and_never_stored_in_clear(shop: Shop) -> None:
    product = await shop.product(["A-1"])
    order = await shop.order(product["id"])

    listed = await shop.client.get("/admin/orders", headers=shop.admin)
    detail = await shop.client.get(f"/admin/orders/{order['id']}", headers=shop.admin)

    assert order["accessToken"] not in listed.text
    assert order["accessToken"] not in detail.text
    database_files = list(shop.settings.data_dir.glob("bitloot.db*"))
    assert database_files
    for path in database_files:
        assert order["accessToken"].encode() not in path.read_bytes()


async def test_a_customer_cannot_send_a_price(shop: Shop) -> None:
    product = await shop.product(["A-1"], price="19.99")

    answer = await shop.client.post(
        "/orders",
        json={
            "email": "player@example.com",
            "items": [{"productId": product["id"], "quantity": 1}],
            "total": "0.01",
        },
    )

    assert_problem(answer, 400)


Body = Callable[[str], Any]

BAD_ORDERS: dict[str, Body] = {
    "unknown top-level field": lambda pid: {
        "email": "player@example.com",
        "items": [{"productId": pid, "quantity": 1}],
        "coupon": "FREE",
    },
    "unknown item field": lambda pid: {
        "email": "player@example.com",
        "items": [{"productId": pid, "quantity": 1, "unitPrice": "0.01"}],
    },
    "snake_case field": lambda pid: {"email": "player@example.com", "items": [{"product_id": pid}]},
    "bad email": lambda pid: {"email": "not-an-email", "items": [{"productId": pid, "quantity": 1}]},
    "email with spaces": lambda pid: {"email": "a b@example.com", "items": [{"productId": pid}]},
    "missing email": lambda pid: {"items": [{"productId": pid, "quantity": 1}]},
    "quantity 0": lambda pid: {"email": "player@example.com", "items": [{"productId": pid, "quantity": 0}]},
    "quantity 21": lambda pid: {"email": "player@example.com", "items": [{"productId": pid, "quantity": 21}]},
    "negative quantity": lambda pid: {
        "email": "player@example.com",
        "items": [{"productId": pid, "quantity": -1}],
    },
    "empty items": lambda pid: {"email": "player@example.com", "items": []},
    "missing items": lambda pid: {"email": "player@example.com"},
    "unknown product": lambda pid: {
        "email": "player@example.com",
        "items": [{"productId": "0190d8d0-0000-7000-8000-000000000000"}],
    },
    "same product twice": lambda pid: {
        "email": "player@example.com",
        "items": [{"productId": pid}, {"productId": pid}],
    },
    "not an object": lambda pid: [pid],
}


@pytest.mark.parametrize("name", list(BAD_ORDERS))
async def test_bad_order_is_a_400_problem_and_stores_nothing(shop: Shop, name: str) -> None:
    product = await shop.product(["A-1", "A-2"])

    answer = await shop.client.post("/orders", json=BAD_ORDERS[name](product["id"]))

    problem = assert_problem(answer, 400)
    assert isinstance(problem.get("detail"), str)
    assert problem["detail"]
    orders = await shop.client.get("/admin/orders", headers=shop.admin)
    assert orders.json() == []


async def test_body_that_is_not_json_is_a_400_problem(shop: Shop) -> None:
    answer = await shop.client.post(
        "/orders", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert_problem(answer, 400)
    assert (await shop.client.get("/admin/orders", headers=shop.admin)).json() == []


async def test_more_than_in_stock_is_a_409_problem_and_stores_nothing(shop: Shop) -> None:
    product = await shop.product(["A-1", "A-2"])

    answer = await shop.client.post(
        "/orders",
        json={"email": "player@example.com", "items": [{"productId": product["id"], "quantity": 3}]},
    )

    problem = assert_problem(answer, 409)
    assert problem["detail"]
    assert (await shop.client.get("/admin/orders", headers=shop.admin)).json() == []
    listed = (await shop.client.get("/products")).json()
    assert listed[0]["available"] == 2


async def test_out_of_stock_product_cannot_be_ordered(shop: Shop) -> None:
    product = await shop.product([])

    answer = await shop.client.post(
        "/orders", json={"email": "player@example.com", "items": [{"productId": product["id"]}]}
    )

    assert_problem(answer, 409)
    assert (await shop.client.get("/admin/orders", headers=shop.admin)).json() == []


async def test_products_in_two_currencies_cannot_share_an_order(shop: Shop) -> None:
    euro = await shop.product(["A-1"], sku="GAME-EUR")
    created = await shop.client.post(
        "/admin/products",
        json={"sku": "GAME-USD", "name": "Dollar game", "price": "10", "currency": "usd"},
        headers=shop.admin,
    )
    dollar = created.json()
    assert dollar["currency"] == "USD"
    await shop.client.post(f"/admin/products/{dollar['id']}/keys", json={"keys": ["B-1"]}, headers=shop.admin)

    answer = await shop.client.post(
        "/orders",
        json={
            "email": "player@example.com",
            "items": [{"productId": euro["id"]}, {"productId": dollar["id"]}],
        },
    )

    assert_problem(answer, 400)
    assert (await shop.client.get("/admin/orders", headers=shop.admin)).json() == []


async def test_tiny_prices_are_written_in_fixed_notation(shop: Shop) -> None:
    product = await shop.product(["TINY-1"], sku="TINY", price="0.00000001")
    listed = (await shop.client.get("/products")).json()
    assert next(p for p in listed if p["id"] == product["id"])["price"] == "0.00000001"
