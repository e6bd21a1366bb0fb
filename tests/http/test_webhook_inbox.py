"""The operator's webhook inbox: `GET /admin/webhooks[/{id}]` and `POST /admin/webhooks/{id}/replay`
(docs/http-api.md, docs/payments.md)."""

import json
from typing import Any

from tests.http.conftest import Shop, assert_problem, available, fulfillment_status, order_details, webhooks

SOME_ID = "0190d8d0-0000-7000-8000-000000000000"


async def post_ipn(shop: Shop, body: bytes, headers: dict[str, str]) -> Any:
    answer = await shop.client.post("/payments/ipn", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer


async def replay(shop: Shop, delivery_id: str) -> dict[str, Any]:
    answer = await shop.client.post(f"/admin/webhooks/{delivery_id}/replay", headers=shop.admin)
    assert answer.status_code == 200, answer.text
    replayed: dict[str, Any] = answer.json()
    return replayed


async def state(shop: Shop, order: dict[str, Any], product_id: str) -> dict[str, Any]:
    """Everything an IPN could change, as the customer and the operator see it."""
    details = await order_details(shop, order["id"])
    return {
        "status": await fulfillment_status(shop, order),
        "order": details["order"],
        "payments": details["payments"],
        "keys": details["keys"],
        "available": await available(shop, product_id),
    }


async def test_one_delivery_shows_its_body_as_text_and_never_its_signature(shop: Shop) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order, order_description="Spiel für €5 ✓")
    await post_ipn(shop, body, headers)
    [listed] = await webhooks(shop)

    answer = await shop.client.get(f"/admin/webhooks/{listed['id']}", headers=shop.admin)

    assert answer.status_code == 200, answer.text
    delivery = answer.json()
    assert delivery["body"] == body.decode("utf-8")
    assert json.loads(delivery["body"])["order_description"] == "Spiel für €5 ✓"
    assert delivery["bodySize"] == len(body)
    assert {k: v for k, v in delivery.items() if k != "body"} == listed
    assert headers["x-nowpayments-sig"] not in answer.text
    assert shop.settings.secrets.ipn_secret.decode() not in answer.text
    listing = await shop.client.get("/admin/webhooks", headers=shop.admin)
    assert headers["x-nowpayments-sig"] not in listing.text


async def test_an_unknown_delivery_is_a_404_problem(shop: Shop) -> None:
    assert_problem(await shop.client.get(f"/admin/webhooks/{SOME_ID}", headers=shop.admin), 404)
    assert_problem(await shop.client.post(f"/admin/webhooks/{SOME_ID}/replay", headers=shop.admin), 404)
    assert await webhooks(shop) == []


async def test_replaying_a_stored_ipn_twice_changes_nothing_the_second_time(shop: Shop) -> None:
    product = await shop.product(["KEY-1", "KEY-2", "KEY-3"])
    order = await shop.order(product["id"])
    await shop.pay(order)
    [original] = await webhooks(shop)
    before = await state(shop, order, product["id"])
    assert before["status"]["status"] == "fulfilled"

    first = await replay(shop, original["id"])
    after_first = await state(shop, order, product["id"])
    second = await replay(shop, original["id"])

    assert await state(shop, order, product["id"]) == after_first == before
    for replayed in (first, second):
        assert replayed["outcome"] == "duplicate"
        assert replayed["replayedFrom"] == original["id"]
        assert replayed["orderId"] == order["id"]
        assert replayed["event"] == "finished"
        assert replayed["signatureValid"] is True
        assert replayed["bodySize"] == original["bodySize"]
    # Newest first: each replay is a delivery of its own.
    assert [d["id"] for d in await webhooks(shop)] == [second["id"], first["id"], original["id"]]
    details = await order_details(shop, order["id"])
    assert [(d["id"], d["outcome"]) for d in details["webhooks"]] == [
        (original["id"], "applied"),
        (first["id"], "duplicate"),
        (second["id"], "duplicate"),
    ]


async def test_replaying_partially_paid_after_finished_does_not_move_the_order_back(shop: Shop) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])
    await shop.pay(order, "partially_paid")
    await shop.pay(order, "finished")
    partial = next(d for d in await webhooks(shop) if d["event"] == "partially_paid")
    before = await state(shop, order, product["id"])

    replayed = await replay(shop, partial["id"])

    assert replayed["outcome"] == "duplicate"
    assert await state(shop, order, product["id"]) == before
    assert before["order"]["status"] == "fulfilled"


async def test_the_inbox_is_listed_newest_first_by_provider_and_limited(shop: Shop) -> None:
    product = await shop.product(["KEY-1", "KEY-2"])
    first = await shop.order(product["id"])
    second = await shop.order(product["id"])
    await shop.pay(first)
    await shop.pay(second, "waiting")
    await shop.pay({"id": "someone-elses", "total": "1.00", "currency": "EUR"}, "finished")

    everything = await webhooks(shop)
    limited = await shop.client.get("/admin/webhooks?limit=2&provider=nowpayments", headers=shop.admin)
    kinguin = await shop.client.get("/admin/webhooks?provider=kinguin", headers=shop.admin)

    assert [(d["orderId"], d["outcome"]) for d in everything] == [
        ("someone-elses", "unmatched"),
        (second["id"], "no_change"),
        (first["id"], "applied"),
    ]
    assert limited.status_code == 200, limited.text
    assert [d["id"] for d in limited.json()] == [d["id"] for d in everything[:2]]
    assert kinguin.status_code == 200, kinguin.text
    assert kinguin.json() == []
    assert_problem(await shop.client.get("/admin/webhooks?provider=paypal", headers=shop.admin), 400)
    assert_problem(await shop.client.get("/admin/webhooks?limit=0", headers=shop.admin), 400)


async def test_order_details_list_the_orders_webhook_deliveries(shop: Shop) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])
    other = await shop.order(product["id"])
    await shop.pay(order, "partially_paid")
    await shop.pay(other, "waiting")
    body, headers = shop.ipn(order)
    await post_ipn(shop, body, headers)
    await post_ipn(shop, body, headers)

    details = await order_details(shop, order["id"])

    assert [(d["event"], d["outcome"]) for d in details["webhooks"]] == [
        ("partially_paid", "applied"),
        ("finished", "applied"),
        ("finished", "duplicate"),
    ]
    assert all(d["orderId"] == order["id"] for d in details["webhooks"])
    assert all("body" not in d for d in details["webhooks"])
    assert len(details["payments"]) == 2
