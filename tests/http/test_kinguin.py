"""Kinguin through the HTTP API (docs/http-api.md, docs/suppliers.md): a Kinguin product sold, paid, its keys
pending until Kinguin's webhook says the order completed; the webhook's secret; availability from
`product.update`."""

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from bitloot.entrypoints.config import load_settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.tasks import build_broker
from tests.http.conftest import Shop, assert_problem, available, fulfillment_status, webhooks
from tests.providers.kinguin_server import API_KEY, FakeKey, KinguinServer, running_kinguin
from tests.support.sqlite_template import upgrade_from_template

KINGUIN_ID = "1949"
SECRET = "kinguin-webhook-secret-for-tests"
TEXT_KEY = "KGN-HTTP-0001"
IMAGE_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(32))


@dataclass
class KinguinShop:
    shop: Shop
    server: KinguinServer

    async def product(self, sku: str = "KG-1", kinguin_id: str = KINGUIN_ID) -> dict[str, Any]:
        created = await self.shop.client.post(
            "/admin/products",
            json={
                "sku": sku,
                "name": f"Kinguin {sku}",
                "price": "9.99",
                "currency": "EUR",
                "supplier": "kinguin",
                "supplierProductId": kinguin_id,
            },
            headers=self.shop.admin,
        )
        assert created.status_code == 201, created.text
        product: dict[str, Any] = created.json()
        return product

    async def event(self, name: str, body: dict[str, Any], secret: str | None = SECRET) -> Any:
        headers = {"X-Event-Name": name, "content-type": "application/json"}
        if secret is not None:
            headers["X-Event-Secret"] = secret
        return await self.shop.client.post("/webhooks/kinguin", content=json.dumps(body), headers=headers)


@pytest.fixture
def server() -> Iterator[KinguinServer]:
    keys = [FakeKey(TEXT_KEY), FakeKey(base64.b64encode(IMAGE_BYTES).decode(), "image/png")]
    with running_kinguin(stock={KINGUIN_ID: keys}) as fake:
        yield fake


@pytest.fixture
async def kinguin_shop(tmp_path: Path, server: KinguinServer) -> AsyncIterator[KinguinShop]:
    settings = load_settings(
        {
            "BITLOOT_DATA_DIR": str(tmp_path),
            "BITLOOT_ENV": "test",
            "BITLOOT_PUBLIC_BASE_URL": "https://shop.example",
            "BITLOOT_KINGUIN_API_KEY": API_KEY,
            "BITLOOT_KINGUIN_BASE_URL": server.base_url,
            "BITLOOT_KINGUIN_WEBHOOK_SECRET": SECRET,
        }
    )
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    app = create_app(settings, build_broker(settings, await_inplace=True))
    async with AsyncTestClient(app) as client:
        yield KinguinShop(Shop(client, settings), server)


async def test_a_kinguin_order_is_fulfilled_when_kinguin_says_its_keys_are_ready(
    kinguin_shop: KinguinShop, server: KinguinServer
) -> None:
    shop = kinguin_shop.shop
    server.keys_pending_polls = 1_000
    product = await kinguin_shop.product()
    order = await shop.order(product["id"], quantity=2)
    item_id = order["items"][0]["itemId"]

    await shop.pay(order)

    # The job ran with the IPN: Kinguin took the order, its keys are pending.
    assert (await fulfillment_status(shop, order))["status"] == "processing"
    [kinguin_order] = server.orders_for(item_id)
    server.complete(kinguin_order.order_id)
    answer = await kinguin_shop.event(
        "order.status",
        {
            "orderId": kinguin_order.order_id,
            "orderExternalId": item_id,
            "status": "completed",
            "updatedAt": "2026-01-01T12:05:00+00:00",
        },
    )

    assert answer.status_code == 204, answer.text
    assert answer.content == b""
    assert (await fulfillment_status(shop, order))["status"] == "fulfilled"
    revealed = await shop.client.post(
        f"/fulfillment/{order['id']}/reveal", json={}, headers=shop.bearer(order)
    )
    assert revealed.status_code == 200, revealed.text
    keys = {key["contentType"]: key["key"] for key in revealed.json()["keys"]}
    assert keys == {"text/plain": TEXT_KEY, "image/png": base64.b64encode(IMAGE_BYTES).decode()}
    assert len(server.seen("POST", "/v1/order")) == 1
    assert len(server.orders_for(item_id)) == 1
    [delivery] = [d for d in await webhooks(shop) if d["provider"] == "kinguin"]
    assert (delivery["event"], delivery["outcome"], delivery["orderId"]) == (
        "order.status",
        "applied",
        order["id"],
    )


async def test_a_wrong_secret_is_refused_and_nothing_written(
    kinguin_shop: KinguinShop, caplog: pytest.LogCaptureFixture
) -> None:
    product = await kinguin_shop.product()
    update = {"kinguinId": 1949, "qty": 77, "updatedAt": "2026-01-01T12:05:00+00:00"}

    for secret in ("not-the-secret", None):
        answer = await kinguin_shop.event("product.update", update, secret)
        assert_problem(answer, 401)

    assert await available(kinguin_shop.shop, product["id"]) == 0
    assert [d for d in await webhooks(kinguin_shop.shop) if d["provider"] == "kinguin"] == []
    assert "refused a Kinguin product.update event with a wrong secret" in caplog.text
    assert "not-the-secret" not in caplog.text


async def test_product_updates_change_the_catalog_newest_first(kinguin_shop: KinguinShop) -> None:
    product = await kinguin_shop.product()

    newer = await kinguin_shop.event(
        "product.update", {"kinguinId": 1949, "qty": 845, "updatedAt": "2026-01-01T12:05:00+00:00"}
    )
    older = await kinguin_shop.event(
        "product.update", {"kinguinId": 1949, "qty": 3, "updatedAt": "2026-01-01T12:04:00+00:00"}
    )

    assert (newer.status_code, older.status_code) == (204, 204)
    assert await available(kinguin_shop.shop, product["id"]) == 845
    outcomes = sorted(d["outcome"] for d in await webhooks(kinguin_shop.shop) if d["provider"] == "kinguin")
    assert outcomes == ["applied", "stale"]


async def test_a_malformed_event_is_a_400(kinguin_shop: KinguinShop) -> None:
    answer = await kinguin_shop.event("order.status", {"orderId": "KG1"})
    assert_problem(answer, 400)


async def test_a_stored_kinguin_delivery_is_replayed_by_the_operator(kinguin_shop: KinguinShop) -> None:
    product = await kinguin_shop.product()
    sent = await kinguin_shop.event(
        "product.update", {"kinguinId": 1949, "qty": 12, "updatedAt": "2026-01-01T12:05:00+00:00"}
    )
    assert sent.status_code == 204
    [delivery] = [d for d in await webhooks(kinguin_shop.shop) if d["provider"] == "kinguin"]

    replayed = await kinguin_shop.shop.client.post(
        f"/admin/webhooks/{delivery['id']}/replay", headers=kinguin_shop.shop.admin
    )

    assert replayed.status_code == 200, replayed.text
    assert (replayed.json()["replayedFrom"], replayed.json()["outcome"]) == (delivery["id"], "stale")
    assert await available(kinguin_shop.shop, product["id"]) == 12


async def test_a_kinguin_key_the_shop_already_sold_is_held_and_the_operator_sees_why(
    kinguin_shop: KinguinShop, server: KinguinServer
) -> None:
    """Kinguin delivers a key the shop has delivered before (from its own stock): the order waits for
    the operator, the customer gets no key."""
    shop = kinguin_shop.shop
    own = await shop.product([TEXT_KEY], sku="OWN-1")
    earlier = await shop.order(own["id"])
    await shop.pay(earlier)
    assert (await fulfillment_status(shop, earlier))["status"] == "fulfilled"
    product = await kinguin_shop.product()
    order = await shop.order(product["id"])

    await shop.pay(order)

    assert (await fulfillment_status(shop, order))["status"] == "processing"
    answer = await shop.client.get(f"/admin/orders/{order['id']}", headers=shop.admin)
    assert answer.status_code == 200, answer.text
    details = answer.json()
    assert details["order"]["status"] == "needs_attention"
    reason = details["order"]["failureReason"]
    assert f"sold to order {earlier['id']}" in reason
    assert details["keys"] == []
    assert TEXT_KEY not in answer.text
    assert_problem(
        await shop.client.post(f"/fulfillment/{order['id']}/reveal", json={}, headers=shop.bearer(order)), 409
    )
    listed = await shop.client.get("/admin/orders?status=needs_attention", headers=shop.admin)
    assert [o["id"] for o in listed.json()] == [order["id"]]
