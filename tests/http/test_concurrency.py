"""Requests that really overlap inside the app (the `live_shop` fixture): no key sold twice, no lost
update, no 500 from a race (docs/suppliers.md, docs/reliability.md)."""

import asyncio
from typing import Any

from tests.http.conftest import Shop, available, fulfillment_status, order_details
from tests.support.racing import concurrently


async def test_two_orders_paid_at_once_for_the_last_key_get_it_once(live_shop: Shop) -> None:
    shop = live_shop
    product = await shop.product(["KEY-LAST-ONE"])
    first = await shop.order(product["id"])
    second = await shop.order(product["id"])
    (body_1, headers_1), (body_2, headers_2) = shop.ipn(first), shop.ipn(second)

    answers = await asyncio.gather(
        shop.client.post("/payments/ipn", content=body_1, headers=headers_1),
        shop.client.post("/payments/ipn", content=body_2, headers=headers_2),
    )

    assert [a.status_code for a in answers] == [200, 200]
    statuses = sorted([(await fulfillment_status(shop, o))["status"] for o in (first, second)])
    assert statuses == ["failed", "fulfilled"]
    keys = [len((await order_details(shop, o["id"]))["keys"]) for o in (first, second)]
    assert sorted(keys) == [0, 1]
    assert await available(shop, product["id"]) == 0


async def test_many_orders_paid_at_once_never_share_a_key(live_shop: Shop) -> None:
    shop = live_shop
    stock = [f"KEY-MANY-{n:02}" for n in range(6)]
    product = await shop.product(stock)
    orders = [await shop.order(product["id"]) for _ in range(8)]

    answers = await asyncio.gather(*(shop.pay(order) for order in orders), return_exceptions=True)

    assert [a for a in answers if a is not None] == []
    statuses = [(await fulfillment_status(shop, o))["status"] for o in orders]
    assert sorted(statuses) == ["failed"] * 2 + ["fulfilled"] * 6
    sold: list[str] = []
    for order, status in zip(orders, statuses, strict=True):
        if status == "fulfilled":
            revealed = await shop.client.post(
                f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order)
            )
            sold.extend(k["key"] for k in revealed.json()["keys"])
    assert sorted(sold) == stock
    assert await available(shop, product["id"]) == 0


async def test_concurrent_reveals_are_all_counted(live_shop: Shop) -> None:
    shop = live_shop
    product = await shop.product(["KEY-COUNTED"])
    order = await shop.order(product["id"])
    await shop.pay(order)

    answers = await concurrently(
        10, lambda: shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
    )

    assert [a.status_code for a in answers] == [200] * 10, [a.text for a in answers]
    assert sorted(a.json()["revealCount"] for a in answers) == list(range(1, 11))
    details = await order_details(shop, order["id"])
    assert details["order"]["revealCount"] == 10
    assert len(details["reveals"]) == 10


async def test_concurrent_retries_of_a_failed_order_fulfill_it_once(live_shop: Shop) -> None:
    shop = live_shop
    product = await shop.product(["KEY-FIRST"])
    first = await shop.order(product["id"])
    second = await shop.order(product["id"])
    await shop.pay(first)
    await shop.pay(second)
    assert (await fulfillment_status(shop, second))["status"] == "failed"
    await shop.client.post(
        f"/admin/products/{product['id']}/keys", json={"keys": ["KEY-R-1", "KEY-R-2"]}, headers=shop.admin
    )

    answers: list[Any] = await concurrently(
        5, lambda: shop.client.post(f"/admin/orders/{second['id']}/retry", headers=shop.admin)
    )

    assert {a.status_code for a in answers} <= {202, 409}, [(a.status_code, a.text) for a in answers]
    assert 202 in {a.status_code for a in answers}
    assert (await fulfillment_status(shop, second))["status"] == "fulfilled"
    assert len((await order_details(shop, second["id"]))["keys"]) == 1
    assert await available(shop, product["id"]) == 1
