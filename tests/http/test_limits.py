"""Limits and hardening of the HTTP edge: rate limits (429 + Retry-After), body caps (413), security
headers and generic 500s."""

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from dishka import Provider, Scope, provide
from litestar.testing import AsyncTestClient

from bitloot.application.use_cases.list_products import ListProducts
from bitloot.domain.product import Product
from bitloot.entrypoints.config import load_settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.tasks import build_broker
from tests.http.conftest import Shop, assert_problem, order_details
from tests.http.test_delivery import reveal_page
from tests.support.sqlite_template import upgrade_from_template

JSON = {"Accept": "application/json"}
LIMITS = {
    "BITLOOT_REVEAL_LIMIT_PER_ORDER": "3",
    "BITLOOT_REVEAL_LIMIT_PER_IP": "5",
    "BITLOOT_LINK_LIMIT_PER_ORDER": "2",
    "BITLOOT_ORDER_LIMIT_PER_IP": "6",
}


@asynccontextmanager
async def limited_shop(
    data_dir: Path, env: dict[str, str] | None = None, *overrides: Provider
) -> AsyncIterator[Shop]:
    settings = load_settings(
        {
            "BITLOOT_DATA_DIR": str(data_dir),
            "BITLOOT_ENV": "test",
            "BITLOOT_PUBLIC_BASE_URL": "https://shop.example",
            **LIMITS,
            **(env or {}),
        }
    )
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    app = create_app(settings, build_broker(settings, await_inplace=True), *overrides)
    async with AsyncTestClient(app) as client:
        yield Shop(client, settings)


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Shop]:
    async with limited_shop(tmp_path) as opened:
        yield opened


async def fulfilled_orders(shop: Shop, count: int) -> list[dict[str, Any]]:
    product = await shop.product([f"KEY-LIMIT-{i:04d}" for i in range(count)], sku="LIMITED")
    orders = [await shop.order(product["id"]) for _ in range(count)]
    for order in orders:
        await shop.pay(order)
    return orders


def assert_rate_limited(answer: Any) -> None:
    assert_problem(answer, 429)
    assert 1 <= int(answer.headers["retry-after"]) <= 60


async def test_reveal_is_limited_per_order_with_retry_after(shop: Shop) -> None:
    (order,) = await fulfilled_orders(shop, 1)
    path = f"/fulfillment/{order['id']}/reveal"

    answers = [await shop.client.post(path, headers=shop.bearer(order)) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert_rate_limited(answers[-1])
    assert "KEY-LIMIT" not in answers[-1].text


async def test_a_refused_reveal_is_neither_audited_nor_counted(shop: Shop) -> None:
    (order,) = await fulfilled_orders(shop, 1)
    for _ in range(3):
        assert (
            await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
        ).is_success

    refused = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))

    assert_rate_limited(refused)
    details = await order_details(shop, order["id"])
    assert details["order"]["revealCount"] == 3
    assert len(details["reveals"]) == 3


async def test_reveals_by_link_and_by_api_share_the_order_limit(shop: Shop) -> None:
    (order,) = await fulfilled_orders(shop, 1)
    link = await shop.client.get(f"/fulfillment/{order['id']}/download-link", headers=shop.bearer(order))
    token = link.json()["signedUrl"].rsplit("/d/", 1)[1]

    by_api = [await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))]
    by_link = [await shop.client.post(f"/d/{token}/reveal", headers=JSON) for _ in range(2)]
    refused_json = await shop.client.post(f"/d/{token}/reveal", headers=JSON)
    refused_page = await reveal_page(shop, f"/d/{token}")

    assert [a.status_code for a in by_api + by_link] == [200, 200, 200]
    assert_rate_limited(refused_json)
    assert refused_page.status_code == 429
    assert refused_page.headers["content-type"].startswith("text/html")
    assert int(refused_page.headers["retry-after"]) >= 1
    assert (await order_details(shop, order["id"]))["order"]["revealCount"] == 3


async def test_reveal_is_limited_per_client_across_orders(shop: Shop) -> None:
    orders = await fulfilled_orders(shop, 3)

    answers = [
        await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
        for order in (orders[0], orders[0], orders[1], orders[1], orders[2], orders[2])
    ]

    # Five from this address are allowed, whichever orders they are for; no order reached its own 3.
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert_rate_limited(answers[-1])


async def test_a_wrong_token_still_counts_against_the_address(shop: Shop) -> None:
    (order,) = await fulfilled_orders(shop, 1)
    wrong = {"Authorization": "Bearer not-the-token"}

    answers = [await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=wrong) for _ in range(6)]

    # The address's limit (5), not the order's (3): a failed guess is the guesser's to pay for.
    assert [a.status_code for a in answers[:5]] == [404] * 5
    assert_rate_limited(answers[5])


async def test_a_stranger_guessing_tokens_cannot_lock_the_owner_out(tmp_path: Path) -> None:
    """Issue 9: wrong-token requests from changing addresses (each under its own limit, so the
    address limits are out of the way here) filled the order's buckets, and the owner's reveal, link
    and emailed link all got 429. Only requests that prove the order's credential count for it."""
    unlimited_addresses = {"BITLOOT_REVEAL_LIMIT_PER_IP": "1000", "BITLOOT_LINK_LIMIT_PER_IP": "1000"}
    async with limited_shop(tmp_path, unlimited_addresses) as shop:
        (order,) = await fulfilled_orders(shop, 1)
        wrong = {"Authorization": "Bearer guessed-token"}
        for _ in range(30):
            reveal = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=wrong)
            link = await shop.client.get(f"/fulfillment/{order['id']}/download-link", headers=wrong)
            assert (reveal.status_code, link.status_code) == (404, 404)
            forged = await shop.client.post("/d/forged-link-token/reveal", headers=JSON)
            assert forged.status_code == 410

        owner_reveal = await shop.client.post(
            f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order)
        )
        owner_link = await shop.client.get(
            f"/fulfillment/{order['id']}/download-link", headers=shop.bearer(order)
        )
        token = owner_link.json()["signedUrl"].rsplit("/d/", 1)[1]
        by_link = await shop.client.post(f"/d/{token}/reveal", headers=JSON)

        assert owner_reveal.status_code == 200, owner_reveal.text
        assert owner_link.status_code == 200, owner_link.text
        assert by_link.status_code == 200, by_link.text
        # The owner's own budget is still there and still counted: 3 reveals per order.
        assert (await shop.client.post(f"/d/{token}/reveal", headers=JSON)).status_code == 200
        assert_rate_limited(await shop.client.post(f"/d/{token}/reveal", headers=JSON))


async def test_delivery_link_is_limited_per_order(shop: Shop) -> None:
    (order,) = await fulfilled_orders(shop, 1)
    path = f"/fulfillment/{order['id']}/download-link"

    answers = [await shop.client.get(path, headers=shop.bearer(order)) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert_rate_limited(answers[-1])


async def test_order_placement_is_limited_per_client(shop: Shop) -> None:
    product = await shop.product(["KEY-ORDERS-1"], sku="ORDERS")
    body = {"email": "player@example.com", "items": [{"productId": product["id"], "quantity": 1}]}

    answers = [await shop.client.post("/orders", json=body) for _ in range(7)]

    assert [a.status_code for a in answers] == [201] * 6 + [429]
    assert_rate_limited(answers[-1])
    assert len((await shop.client.get("/admin/orders", headers=shop.admin)).json()) == 6


async def test_a_forged_x_forwarded_for_does_not_escape_the_client_limit(shop: Shop) -> None:
    """No trusted proxy is configured: the header is anyone's to write, and counts for nothing."""
    product = await shop.product(["KEY-FORGED-1"], sku="FORGED")
    body = {"email": "player@example.com", "items": [{"productId": product["id"], "quantity": 1}]}

    answers = [
        await shop.client.post("/orders", json=body, headers={"X-Forwarded-For": f"198.51.100.{n}"})
        for n in range(7)
    ]

    assert [a.status_code for a in answers] == [201] * 6 + [429]


# --- request bodies ---------------------------------------------------------------------------------


async def test_bodies_over_one_mebibyte_are_refused(shop: Shop) -> None:
    big = b'{"email":"' + b"a" * (1024 * 1024 + 1) + b'"}'

    answer = await shop.client.post("/orders", content=big, headers={"content-type": "application/json"})

    assert_problem(answer, 413)
    assert (await shop.client.get("/admin/orders", headers=shop.admin)).json() == []


async def test_ipn_bodies_over_64_kib_are_refused(shop: Shop) -> None:
    big = b'{"order_id":"' + b"a" * (64 * 1024) + b'"}'

    answer = await shop.client.post(
        "/payments/ipn", content=big, headers={"content-type": "application/json", "x-nowpayments-sig": "0"}
    )

    assert_problem(answer, 413)
    assert (await shop.client.get("/admin/webhooks", headers=shop.admin)).json() == []


async def test_a_body_just_under_the_cap_is_read(shop: Shop) -> None:
    body = b'{"email":"' + b"a" * (512 * 1024) + b'"}'

    answer = await shop.client.post("/orders", content=body, headers={"content-type": "application/json"})

    assert_problem(answer, 400)


# --- headers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/products", "/fulfillment/health", "/nowhere", "/fulfillment/x/status", "/admin/orders"]
)
async def test_every_response_carries_the_security_headers(shop: Shop, path: str) -> None:
    answer = await shop.client.get(path)

    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize("path", ["/fulfillment/x/status", "/admin/orders", "/d/forged"])
async def test_private_responses_are_never_stored(shop: Shop, path: str) -> None:
    answer = await shop.client.get(path)

    assert answer.headers["cache-control"] == "no-store"


async def test_no_hsts_over_plain_http(tmp_path: Path) -> None:
    async with limited_shop(tmp_path, {"BITLOOT_PUBLIC_BASE_URL": "http://127.0.0.1:8000"}) as plain:
        answer = await plain.client.get("/products")

    assert "strict-transport-security" not in answer.headers
    assert answer.headers["x-content-type-options"] == "nosniff"


# --- unexpected errors -------------------------------------------------------------------------------

SECRET_LOOKING = "SELECT sealed_key FROM keys WHERE password='hunter2-secret'"


class ExplodingListProducts(ListProducts):
    def __init__(self) -> None:
        pass

    async def execute(self) -> Sequence[Product]:
        raise RuntimeError(SECRET_LOOKING)


class ExplodingProvider(Provider):
    @provide(scope=Scope.REQUEST, override=True)
    def list_products(self) -> ListProducts:
        return ExplodingListProducts()


async def test_an_unexpected_error_is_a_generic_500_and_logged_with_its_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Litestar configures logging when the app starts, so the test listens on the logger itself.
    async with limited_shop(tmp_path, None, ExplodingProvider()) as broken:
        logger = logging.getLogger("bitloot.entrypoints.http.problems")
        logger.addHandler(caplog.handler)
        try:
            answer = await broken.client.get("/products")
        finally:
            logger.removeHandler(caplog.handler)

    body = assert_problem(answer, 500)
    assert body == {"type": "about:blank", "title": "Internal Server Error", "status": 500}
    assert "hunter2" not in answer.text
    assert "Traceback" not in answer.text
    assert "RuntimeError" not in answer.text
    assert answer.headers["x-content-type-options"] == "nosniff"
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert logged, caplog.text
    assert "Traceback" in caplog.text
    assert "raise RuntimeError(SECRET_LOOKING)" in caplog.text
