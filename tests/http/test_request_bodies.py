"""Request bodies that broke the readers (issue 9): every route's body goes through one reader, the
app's request class. A body nested a few hundred or a thousand levels deep is a 400 problem, writes
nothing and leaves no traceback in the log, on every route that reads a body, before any decoder or
signature check sees it; so is a body that is not UTF-8."""

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from bitloot.adapters.json_nesting import MAX_DEPTH
from bitloot.entrypoints.config import load_settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.tasks import build_broker
from tests.http.conftest import Shop, assert_problem, order_details, webhooks
from tests.support.sqlite_template import upgrade_from_template

KINGUIN_SECRET = "kinguin-webhook-secret-for-nesting-tests"
DEPTHS = [300, 1000]
ROUTES = ["/payments/ipn", "/orders", "/fulfillment/{order}/reveal", "/admin/products", "/webhooks/kinguin"]


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Shop]:
    """The embedded shop, with a Kinguin webhook secret so that its bodies are read too."""
    settings = load_settings(
        {
            "BITLOOT_DATA_DIR": str(tmp_path),
            "BITLOOT_ENV": "test",
            "BITLOOT_PUBLIC_BASE_URL": "https://shop.example",
            "BITLOOT_KINGUIN_WEBHOOK_SECRET": KINGUIN_SECRET,
        }
    )
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    app = create_app(settings, build_broker(settings, await_inplace=True))
    async with AsyncTestClient(app) as client:
        yield Shop(client, settings)


def nested_objects(depth: int) -> bytes:
    """An IPN-looking object whose `extra` field holds `depth` levels of objects in all."""
    inner = b'{"a":' * (depth - 1) + b"1" + b"}" * (depth - 1)
    return b'{"payment_id":5077125051,"payment_status":"finished","extra":' + inner + b"}"


def nested_arrays(depth: int) -> bytes:
    return b'{"items":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


async def paid_order(shop: Shop) -> dict[str, Any]:
    product = await shop.product(["KEY-NEST-0001"], sku="NEST")
    order = await shop.order(product["id"])
    await shop.pay(order)
    return order


def route_headers(shop: Shop, route: str, order: dict[str, Any]) -> dict[str, str]:
    """Every credential the route could want, valid (the IPN's aside), so that only the body is refused."""
    credentials = shop.bearer(order) if route.startswith("/fulfillment") else shop.admin
    return {
        "content-type": "application/json",
        "x-nowpayments-sig": "00" * 64,
        "x-event-name": "order.status",
        "x-event-secret": KINGUIN_SECRET,
        **credentials,
    }


async def what_is_stored(shop: Shop, order: dict[str, Any]) -> tuple[object, ...]:
    details = await order_details(shop, order["id"])
    products = (await shop.client.get("/products")).json()
    orders = (await shop.client.get("/admin/orders", headers=shop.admin)).json()
    return (
        len(await webhooks(shop)),
        len(details["reveals"]),
        len(details["payments"]),
        products,
        len(orders),
    )


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("shape", [nested_objects, nested_arrays], ids=["objects", "arrays"])
@pytest.mark.parametrize("route", ROUTES)
async def test_a_deeply_nested_body_is_a_400_writes_nothing_and_logs_no_traceback(
    shop: Shop, route: str, shape: Any, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    order = await paid_order(shop)
    before = await what_is_stored(shop, order)
    caplog.clear()

    with caplog.at_level(logging.INFO):
        answer = await shop.client.post(
            route.format(order=order["id"]), content=shape(depth), headers=route_headers(shop, route, order)
        )

    problem = assert_problem(answer, 400)
    assert f"{MAX_DEPTH} levels" in problem["detail"]
    assert await what_is_stored(shop, order) == before
    assert "Traceback" not in caplog.text
    assert "RecursionError" not in caplog.text
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    # Refused before any signature work: a bad IPN signature would otherwise be logged and answer 401.
    assert "signature" not in caplog.text


async def test_a_body_just_under_the_cap_is_read_as_usual(shop: Shop) -> None:
    """The cap refuses only what nests deeper than `MAX_DEPTH`: at the cap the route answers as before
    (here the struct's own validation: `items` is not a list of order lines)."""
    answer = await shop.client.post(
        "/orders",
        content=b'{"email":"a@example.com","items":' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}",
        headers={"content-type": "application/json"},
    )

    problem = assert_problem(answer, 400)
    assert "levels" not in problem.get("detail", "")


async def test_brackets_inside_strings_do_not_count(shop: Shop) -> None:
    name = "[" * 100 + '\\"{' * 30 + "}" * 10

    answer = await shop.client.post(
        "/admin/products",
        json={"sku": "NEST-STRINGS", "name": name, "price": "1.00", "currency": "EUR"},
        headers=shop.admin,
    )

    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == name


@pytest.mark.parametrize("route", ["/orders", "/fulfillment/{order}/reveal", "/admin/products"])
async def test_a_body_that_is_not_utf8_is_a_400(
    shop: Shop, route: str, caplog: pytest.LogCaptureFixture
) -> None:
    order = await paid_order(shop)
    before = await what_is_stored(shop, order)

    answer = await shop.client.post(
        route.format(order=order["id"]),
        content=b'{"itemId":"\xff"}',
        headers=route_headers(shop, route, order),
    )

    assert_problem(answer, 400)
    assert await what_is_stored(shop, order) == before
    assert "Traceback" not in caplog.text
