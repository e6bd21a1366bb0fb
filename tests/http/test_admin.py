"""Operator endpoints behind the admin token (docs/http-api.md)."""

import json
from typing import Any

import pytest

from tests.factories.http import product_body
from tests.http.conftest import Shop, assert_problem, available, fulfillment_status, order_details, webhooks

SOME_ID = "0190d8d0-0000-7000-8000-000000000000"
ADMIN_ENDPOINTS = [
    ("POST", "/admin/products"),
    ("POST", f"/admin/products/{SOME_ID}/keys"),
    ("GET", "/admin/orders"),
    ("GET", "/admin/orders?status=fulfilled"),
    ("GET", f"/admin/orders/{SOME_ID}"),
    ("POST", f"/admin/orders/{SOME_ID}/retry"),
    ("GET", "/admin/webhooks"),
    ("GET", "/admin/webhooks?provider=nowpayments"),
    ("GET", f"/admin/webhooks/{SOME_ID}"),
    ("POST", f"/admin/webhooks/{SOME_ID}/replay"),
]


async def call(shop: Shop, method: str, url: str, headers: dict[str, str], json: Any = None) -> Any:
    if method == "GET":
        return await shop.client.get(url, headers=headers)
    return await shop.client.post(url, headers=headers, json=json)


@pytest.mark.parametrize(("method", "url"), ADMIN_ENDPOINTS)
@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong-token-wrong-token-wrong-token-wrong", "Basic YWRtaW46YWRtaW4="],
)
async def test_admin_endpoints_refuse_a_missing_or_wrong_token(
    shop: Shop, method: str, url: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    answer = await call(shop, method, url, headers, json=product_body())

    assert_problem(answer, 401)
    assert answer.headers["www-authenticate"].lower().startswith("bearer")


async def test_admin_token_with_a_different_scheme_or_suffix_is_refused(shop: Shop) -> None:
    token = shop.settings.secrets.admin_token
    for authorization in (f"Basic {token}", f"Bearer {token}x", f"Bearer {token[:-1]}", token):
        answer = await shop.client.get("/admin/orders", headers={"Authorization": authorization})
        assert_problem(answer, 401)


async def test_an_order_token_is_not_an_admin_token(shop: Shop) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])

    answer = await shop.client.get("/admin/orders", headers=shop.bearer(order))

    assert_problem(answer, 401)


async def test_refused_admin_writes_change_nothing(shop: Shop) -> None:
    product = await shop.product(["KEY-1"])
    wrong = {"Authorization": "Bearer nope"}

    await shop.client.post(
        "/admin/products", json={"sku": "SNEAKY", "name": "x", "price": "1", "currency": "EUR"}, headers=wrong
    )
    await shop.client.post(
        f"/admin/products/{product['id']}/keys", json={"keys": ["INJECTED"]}, headers=wrong
    )

    listed = (await shop.client.get("/products")).json()
    assert [(p["sku"], p["available"]) for p in listed] == [("GAME-1", 1)]


async def test_create_product(shop: Shop) -> None:
    answer = await shop.client.post(
        "/admin/products",
        json={"sku": "ELDEN-PC", "name": "Elden Ring (PC)", "price": "59.9", "currency": "EUR"},
        headers=shop.admin,
    )

    assert answer.status_code == 201, answer.text
    product = answer.json()
    assert product == {
        "id": product["id"],
        "sku": "ELDEN-PC",
        "name": "Elden Ring (PC)",
        "price": "59.90",
        "currency": "EUR",
        "available": 0,
        "supplier": "stock",
    }
    listed = (await shop.client.get("/products")).json()
    assert [p["id"] for p in listed] == [product["id"]]
    assert "supplier" not in listed[0]


async def test_duplicate_sku_is_a_409(shop: Shop) -> None:
    await shop.product([], sku="SAME")

    answer = await shop.client.post(
        "/admin/products",
        json={"sku": "SAME", "name": "Another", "price": "1.00", "currency": "EUR"},
        headers=shop.admin,
    )

    assert_problem(answer, 409)
    assert len((await shop.client.get("/products")).json()) == 1


async def test_kinguin_product_needs_its_supplier_product_id(shop: Shop) -> None:
    body = {"sku": "KG-1", "name": "From Kinguin", "price": "9.99", "currency": "EUR", "supplier": "kinguin"}

    missing = await shop.client.post("/admin/products", json=body, headers=shop.admin)
    given = await shop.client.post(
        "/admin/products", json={**body, "supplierProductId": "5c9b5f6b2539a4e8f172916a"}, headers=shop.admin
    )

    assert_problem(missing, 400)
    assert given.status_code == 201, given.text
    assert given.json()["supplier"] == "kinguin"


@pytest.mark.parametrize(
    "body",
    [
        {"sku": "X", "name": "X", "price": "1", "currency": "EUR", "supplier": "steam"},
        {"sku": "X", "name": "X", "price": "1", "currency": "EUR", "colour": "red"},
        {"sku": "", "name": "X", "price": "1", "currency": "EUR"},
        {"sku": "X", "name": "", "price": "1", "currency": "EUR"},
        {"sku": "X", "name": "X", "price": "not money", "currency": "EUR"},
        {"sku": "X", "name": "X", "price": "-1", "currency": "EUR"},
        {"name": "X", "price": "1", "currency": "EUR"},
    ],
)
async def test_invalid_product_is_a_400(shop: Shop, body: dict[str, Any]) -> None:
    answer = await shop.client.post("/admin/products", json=body, headers=shop.admin)

    assert_problem(answer, 400)
    assert (await shop.client.get("/products")).json() == []


async def test_import_keys(shop: Shop) -> None:
    product = await shop.product([])
    url = f"/admin/products/{product['id']}/keys"

    first = await shop.client.post(url, json={"keys": ["K-1", "K-2"]}, headers=shop.admin)
    second = await shop.client.post(url, json={"keys": ["K-3", "   "]}, headers=shop.admin)

    assert first.status_code == 201, first.text
    assert first.json() == {"imported": 2, "available": 2, "refused": []}
    assert second.status_code == 201, second.text
    assert second.json() == {"imported": 1, "available": 3, "refused": [{"line": 2, "reason": "blank"}]}
    assert await available(shop, product["id"]) == 3


async def test_import_keys_for_an_unknown_product_is_a_404(shop: Shop) -> None:
    answer = await shop.client.post(
        f"/admin/products/{SOME_ID}/keys", json={"keys": ["K-1"]}, headers=shop.admin
    )

    assert_problem(answer, 404)


@pytest.mark.parametrize("body", [{"keys": []}, {"keys": ["   "]}, {"keys": "K-1"}, {"key": ["K-1"]}])
async def test_import_of_no_keys_is_a_400(shop: Shop, body: dict[str, Any]) -> None:
    product = await shop.product([])

    answer = await shop.client.post(f"/admin/products/{product['id']}/keys", json=body, headers=shop.admin)

    assert_problem(answer, 400)
    assert await available(shop, product["id"]) == 0


async def import_keys(shop: Shop, product: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    answer = await shop.client.post(
        f"/admin/products/{product['id']}/keys", json={"keys": keys}, headers=shop.admin
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def refused(*pairs: tuple[int, str]) -> list[dict[str, Any]]:
    return [{"line": line, "reason": reason} for line, reason in pairs]


async def test_a_retried_import_imports_nothing_and_says_every_line_is_in_stock(shop: Shop) -> None:
    """The import timed out on the operator's side and was sent again: one unit per key, still."""
    product = await shop.product([])
    keys = ["RETRIED-AAAA-1", "RETRIED-BBBB-2", "RETRIED-CCCC-3"]

    first = await import_keys(shop, product, keys)
    again = await import_keys(shop, product, keys)

    assert first == {"imported": 3, "available": 3, "refused": []}
    assert again == {
        "imported": 0,
        "available": 3,
        "refused": refused((1, "already_in_stock"), (2, "already_in_stock"), (3, "already_in_stock")),
    }
    assert await available(shop, product["id"]) == 3


async def test_a_line_repeated_in_one_batch_is_imported_once(shop: Shop) -> None:
    product = await shop.product([])

    answer = await import_keys(shop, product, ["TWICE-KEY-1", "ONCE-KEY-2", "  TWICE-KEY-1  "])

    assert answer == {"imported": 2, "available": 2, "refused": refused((3, "repeated_in_batch"))}
    assert await available(shop, product["id"]) == 2


async def test_the_same_key_for_another_product_is_refused(shop: Shop) -> None:
    first = await shop.product(["CROSS-PRODUCT-KEY"], sku="GAME-1")
    second = await shop.product([], sku="GAME-2")

    answer = await import_keys(shop, second, ["CROSS-PRODUCT-KEY", "OWN-KEY-2"])

    assert answer == {"imported": 1, "available": 1, "refused": refused((1, "already_in_stock"))}
    assert await available(shop, first["id"]) == 1


async def test_blank_and_oversized_lines_are_refused_by_line_and_the_rest_imported(shop: Shop) -> None:
    product = await shop.product([])
    oversized = "X" * 513

    answer = await shop.client.post(
        f"/admin/products/{product['id']}/keys",
        json={"keys": ["GOOD-1", "", "   ", oversized, "Y" * 512, "GOOD-2"]},
        headers=shop.admin,
    )

    assert answer.status_code == 201, answer.text
    assert answer.json() == {
        "imported": 3,
        "available": 3,
        "refused": refused((2, "blank"), (3, "blank"), (4, "too_long")),
    }
    assert oversized not in answer.text


async def test_a_key_already_delivered_is_refused_and_never_sold_again(shop: Shop) -> None:
    product = await shop.product(["DELIVERED-KEY-1"])
    order = await shop.order(product["id"])
    await shop.pay(order)
    assert (await fulfillment_status(shop, order))["status"] == "fulfilled"

    answer = await import_keys(shop, product, ["DELIVERED-KEY-1", "FRESH-KEY-2"])

    assert answer == {"imported": 1, "available": 1, "refused": refused((1, "already_delivered"))}
    assert "DELIVERED-KEY" not in json.dumps(answer)
    buyer = await shop.order(product["id"])
    await shop.pay(buyer)
    revealed = await shop.client.post(f"/fulfillment/{buyer['id']}/reveal", headers=shop.bearer(buyer))
    assert [k["key"] for k in revealed.json()["keys"]] == ["FRESH-KEY-2"]


async def test_keys_are_not_imported_for_a_kinguin_product(shop: Shop) -> None:
    created = await shop.client.post(
        "/admin/products",
        json={
            "sku": "KG",
            "name": "K",
            "price": "1",
            "currency": "EUR",
            "supplier": "kinguin",
            "supplierProductId": "abc",
        },
        headers=shop.admin,
    )

    answer = await shop.client.post(
        f"/admin/products/{created.json()['id']}/keys", json={"keys": ["K-1"]}, headers=shop.admin
    )

    assert_problem(answer, 400)


async def test_list_orders_filtered_by_status(shop: Shop) -> None:
    product = await shop.product(["K-1", "K-2"])
    waiting = await shop.order(product["id"])
    paid = await shop.order(product["id"])
    await shop.pay(paid)

    everything = await shop.client.get("/admin/orders", headers=shop.admin)
    fulfilled = await shop.client.get("/admin/orders?status=fulfilled", headers=shop.admin)
    awaiting = await shop.client.get("/admin/orders?status=awaiting_payment", headers=shop.admin)
    failed = await shop.client.get("/admin/orders?status=failed", headers=shop.admin)
    bogus = await shop.client.get("/admin/orders?status=lost", headers=shop.admin)

    assert everything.status_code == 200, everything.text
    assert {o["id"] for o in everything.json()} == {waiting["id"], paid["id"]}
    assert [o["id"] for o in fulfilled.json()] == [paid["id"]]
    assert [o["id"] for o in awaiting.json()] == [waiting["id"]]
    assert failed.json() == []
    assert_problem(bogus, 400)
    row = fulfilled.json()[0]
    assert set(row) == {
        "id",
        "email",
        "status",
        "currency",
        "total",
        "items",
        "createdAt",
        "updatedAt",
        "fulfilledAt",
        "failureReason",
        "revealCount",
        "paymentReference",
    }
    assert row["paymentReference"] is None  # the simulator has no invoice
    assert row["status"] == "fulfilled"
    assert row["email"] == "player@example.com"
    assert row["total"] == "19.99"
    assert row["fulfilledAt"] is not None


async def test_list_orders_limit(shop: Shop) -> None:
    product = await shop.product(["K-1"])
    for _ in range(3):
        await shop.order(product["id"])

    two = await shop.client.get("/admin/orders?limit=2", headers=shop.admin)
    zero = await shop.client.get("/admin/orders?limit=0", headers=shop.admin)

    assert len(two.json()) == 2
    assert_problem(zero, 400)


async def test_order_details_show_items_payments_key_metadata_and_reveals(shop: Shop) -> None:
    product = await shop.product(["KEY-DETAIL-SECRET-1", "KEY-DETAIL-SECRET-2"])
    order = await shop.order(product["id"], quantity=2)
    await shop.pay(order)
    revealed = await shop.client.post(
        f"/fulfillment/{order['id']}/reveal", headers={**shop.bearer(order), "User-Agent": "detail-test"}
    )
    assert revealed.status_code == 200

    answer = await shop.client.get(f"/admin/orders/{order['id']}", headers=shop.admin)

    assert answer.status_code == 200, answer.text
    assert "KEY-DETAIL-SECRET" not in answer.text
    assert order["accessToken"] not in answer.text
    details = answer.json()
    assert set(details) == {"order", "payments", "keys", "reveals", "webhooks", "email", "emails"}
    # The embedded shop's email_sender (the log) took the delivery email right after the fulfilment.
    assert (details["email"]["status"], details["email"]["lastError"]) == ("sent", None)
    [delivery] = details["webhooks"]
    assert delivery["orderId"] == order["id"]
    assert (delivery["event"], delivery["outcome"]) == ("finished", "applied")
    assert details["order"]["id"] == order["id"]
    assert details["order"]["status"] == "fulfilled"
    assert details["order"]["revealCount"] == 1
    assert [(i["itemId"], i["quantity"], i["unitPrice"]) for i in details["order"]["items"]] == [
        (order["items"][0]["itemId"], 2, "19.99")
    ]
    [payment] = details["payments"]
    assert payment["orderId"] == order["id"]
    assert (payment["status"], payment["outcome"], payment["provider"]) == (
        "finished",
        "applied",
        "nowpayments",
    )
    assert len(details["keys"]) == 2
    for key in details["keys"]:
        assert set(key) == {
            "id",
            "itemId",
            "productId",
            "contentType",
            "keyVersion",
            "createdAt",
            "revokedAt",
            "replacedBy",
        }
        assert key["itemId"] == order["items"][0]["itemId"]
        assert key["productId"] == product["id"]
        assert key["contentType"] == "text/plain"
        assert isinstance(key["keyVersion"], int)
    assert len(details["reveals"]) == 2
    assert {e["keyId"] for e in details["reveals"]} == {k["id"] for k in details["keys"]}
    assert {(e["channel"], e["outcome"], e["userAgent"]) for e in details["reveals"]} == {
        ("api", "revealed", "detail-test")
    }


async def test_order_details_of_an_unknown_order_is_a_404(shop: Shop) -> None:
    assert_problem(await shop.client.get(f"/admin/orders/{SOME_ID}", headers=shop.admin), 404)


async def test_failed_order_is_retried_after_importing_stock(shop: Shop) -> None:
    product = await shop.product(["KEY-ONLY-ONE"])
    first = await shop.order(product["id"])
    second = await shop.order(product["id"])
    await shop.pay(first)
    await shop.pay(second)

    assert (await fulfillment_status(shop, first))["status"] == "fulfilled"
    status = await fulfillment_status(shop, second)
    assert status["status"] == "failed"
    assert status["orderStatus"] == "failed"
    failed = (await order_details(shop, second["id"]))["order"]
    assert failed["status"] == "failed"
    assert failed["failureReason"]
    listed = (await shop.client.get("/admin/orders?status=failed", headers=shop.admin)).json()
    assert [o["id"] for o in listed] == [second["id"]]

    imported = await shop.client.post(
        f"/admin/products/{product['id']}/keys", json={"keys": ["KEY-RESTOCKED"]}, headers=shop.admin
    )
    assert imported.json() == {"imported": 1, "available": 1, "refused": []}
    retried = await shop.client.post(f"/admin/orders/{second['id']}/retry", headers=shop.admin)

    assert retried.status_code == 202, retried.text
    assert retried.json()["orderId"] == second["id"]
    status = await fulfillment_status(shop, second)
    assert status["status"] == "fulfilled"
    assert status["itemsFulfilled"] == 1
    assert await available(shop, product["id"]) == 0
    revealed = await shop.client.post(f"/fulfillment/{second['id']}/reveal", headers=shop.bearer(second))
    assert [k["key"] for k in revealed.json()["keys"]] == ["KEY-RESTOCKED"]
    again = await shop.client.post(f"/admin/orders/{second['id']}/retry", headers=shop.admin)
    assert_problem(again, 409)


async def test_failed_order_retried_without_new_stock_is_refused_with_the_reason(shop: Shop) -> None:
    product = await shop.product(["KEY-ONLY-ONE"])
    first = await shop.order(product["id"])
    second = await shop.order(product["id"])
    await shop.pay(first)
    await shop.pay(second)

    retried = await shop.client.post(f"/admin/orders/{second['id']}/retry", headers=shop.admin)

    assert_problem(retried, 409)
    assert retried.json()["detail"] == f"1 key of {product['sku']} needed, 0 in stock: import keys first."
    assert (await fulfillment_status(shop, second))["status"] == "failed"
    assert len((await order_details(shop, first["id"]))["keys"]) == 1
    assert (await order_details(shop, second["id"]))["keys"] == []


@pytest.mark.parametrize("payment", [None, "partially_paid", "finished"])
async def test_retry_of_an_order_that_is_not_failed_is_a_409(shop: Shop, payment: str | None) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])
    if payment:
        await shop.pay(order, payment)

    answer = await shop.client.post(f"/admin/orders/{order['id']}/retry", headers=shop.admin)

    assert_problem(answer, 409)


async def test_retry_of_an_unknown_order_is_a_404(shop: Shop) -> None:
    assert_problem(await shop.client.post(f"/admin/orders/{SOME_ID}/retry", headers=shop.admin), 404)


async def test_webhooks_lists_recorded_ipns_newest_first(shop: Shop) -> None:
    product = await shop.product(["KEY-1", "KEY-2"])
    first = await shop.order(product["id"])
    second = await shop.order(product["id"])
    await shop.pay(first, "partially_paid")
    await shop.pay(second)
    stranger = {"id": "someone-elses", "total": "1.00", "currency": "EUR"}
    await shop.pay(stranger, "waiting")

    deliveries = await webhooks(shop)

    assert [(d["orderId"], d["event"], d["outcome"]) for d in deliveries] == [
        ("someone-elses", "waiting", "unmatched"),
        (second["id"], "finished", "applied"),
        (first["id"], "partially_paid", "applied"),
    ]
    for delivery in deliveries:
        assert set(delivery) == {
            "id",
            "provider",
            "event",
            "signatureValid",
            "outcome",
            "orderId",
            "receivedAt",
            "replayedFrom",
            "bodySize",
        }
        assert delivery["provider"] == "nowpayments"
        assert delivery["signatureValid"] is True
        assert delivery["replayedFrom"] is None
        assert delivery["bodySize"] > 0
    limited = await shop.client.get("/admin/webhooks?limit=1", headers=shop.admin)
    assert [d["orderId"] for d in limited.json()] == ["someone-elses"]


@pytest.mark.parametrize("price", ["1E+30", "1000000000000", "12345678901234567890"])
async def test_a_price_too_large_to_store_is_refused_and_the_catalog_keeps_working(
    shop: Shop, price: str
) -> None:
    """NUMERIC(20, 8) holds 12 integer digits; a larger price must not be stored, and must never
    leave a product behind that breaks `GET /products` for every customer."""
    answer = await shop.client.post(
        "/admin/products",
        json={"sku": "HUGE", "name": "Huge", "price": price, "currency": "EUR"},
        headers=shop.admin,
    )

    assert_problem(answer, 400)
    catalog = await shop.client.get("/products")
    assert catalog.status_code == 200, catalog.text
    assert catalog.json() == []


async def test_the_largest_storable_price_is_shown_in_full(shop: Shop) -> None:
    await shop.product(["K-1"], sku="DEAR", price="999999999999.99")

    catalog = await shop.client.get("/products")

    assert catalog.status_code == 200, catalog.text
    assert catalog.json()[0]["price"] == "999999999999.99"


async def test_a_negative_zero_price_is_zero(shop: Shop) -> None:
    """Found by schemathesis: "-0.0" was stored and shown as "-0.00"."""
    created = await shop.client.post(
        "/admin/products",
        json={"sku": "FREE", "name": "Free", "price": "-0.0", "currency": "EUR"},
        headers=shop.admin,
    )

    assert created.status_code == 201, created.text
    assert created.json()["price"] == "0.00"
    assert (await shop.client.get("/products")).json()[0]["price"] == "0.00"


async def test_an_order_whose_total_is_too_large_is_refused_and_stores_nothing(shop: Shop) -> None:
    product = await shop.product(["K-1", "K-2"], sku="DEAR", price="999999999999.99")

    answer = await shop.client.post(
        "/orders",
        json={"email": "player@example.com", "items": [{"productId": product["id"], "quantity": 2}]},
    )

    assert_problem(answer, 400)
    orders = await shop.client.get("/admin/orders", headers=shop.admin)
    assert orders.status_code == 200, orders.text
    assert orders.json() == []


async def test_paid_order_for_a_supplier_this_deployment_lacks_fails_visibly(shop: Shop) -> None:
    created = await shop.client.post(
        "/admin/products",
        json={
            "sku": "KG",
            "name": "From Kinguin",
            "price": "5",
            "currency": "EUR",
            "supplier": "kinguin",
            "supplierProductId": "5c9b5f6b2539a4e8f172916a",
        },
        headers=shop.admin,
    )
    order = await shop.order(created.json()["id"])

    await shop.pay(order)

    status = await fulfillment_status(shop, order)
    assert (status["status"], status["orderStatus"]) == ("failed", "failed")
    failed = (await order_details(shop, order["id"]))["order"]
    assert "kinguin" in failed["failureReason"]
    listed = (await shop.client.get("/admin/orders?status=failed", headers=shop.admin)).json()
    assert [o["id"] for o in listed] == [order["id"]]
