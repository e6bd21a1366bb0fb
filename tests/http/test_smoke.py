from tests.http.conftest import Shop


async def test_order_paid_fulfilled_revealed(shop: Shop) -> None:
    product = await shop.product(["KEY-AAAA"])
    order = await shop.order(product["id"])
    await shop.pay(order)
    status = (await shop.client.get(f"/fulfillment/{order['id']}/status", headers=shop.bearer(order))).json()
    assert status["status"] == "fulfilled"
    revealed = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
    assert revealed.status_code == 200, revealed.text
    assert revealed.json()["keys"][0]["key"] == "KEY-AAAA"
    assert revealed.headers["cache-control"] == "no-store"
