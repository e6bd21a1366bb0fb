"""The console's orders in a real browser, over a shop with a few hundred orders (docs/console.md,
"The pages"): search by email, order id and payment id, a state filter, and a walk of every page
newest first; a refund by the owner that the timeline and the audit show, and that a support
operator neither sees nor can post; a retry refused while out of stock, then, once the product's
low stock is found from the overview and a key imported, a retry that fulfils. Screenshots of each
page at 1280 and 390 px."""

import asyncio
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.ids import new_id
from bitloot.domain.money import Money
from bitloot.domain.order import Order, OrderItem
from bitloot.domain.order_status import OrderStatus
from bitloot.entrypoints.config import load_settings
from bitloot.entrypoints.ioc import container_for
from bitloot.entrypoints.tasks import build_broker
from tests.browser.conftest import OfflinePage, Operators, Server, sign_in
from tests.browser.test_console_auth import both_widths
from tests.factories.http import keys_body, order_body, product_body
from tests.support.ipn import ipn_request_for

SEEDED = 300
# The seeded orders' day (UTC): the creation window that holds them and nothing the other tests add.
DAY = (datetime.now(UTC) - timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
NEEDLE_EMAIL = "needle-buyer@example.com"
NEEDLE_INVOICE = "INV-NEEDLE-4242"
PAYMENT_ID = 7123456789
KEYS = ["KEY-WALK-REFUND-1111", "KEY-WALK-REFUND-2222", "KEY-WALK-RETRY-3333", "KEY-WALK-RETRY-4444"]


class Shop:
    """The module's server, driven through its admin API and the customer's endpoints."""

    def __init__(self, server: Server) -> None:
        stored = json.loads((server.data_dir / "secrets.json").read_text("utf-8"))
        self.server = server
        self.admin = {"Authorization": f"Bearer {stored['admin_token']}"}
        self.ipn_secret: bytes = stored["ipn_secret"].encode()
        self.client = httpx.Client(base_url=server.base_url, timeout=30)

    def product(self, sku: str, keys: list[str]) -> dict[str, Any]:
        made = self.client.post(
            "/admin/products", json=product_body(sku=sku, price=Decimal("9.99")), headers=self.admin
        )
        assert made.status_code == 201, made.text
        product: dict[str, Any] = made.json()
        if keys:
            imported = self.client.post(
                f"/admin/products/{product['id']}/keys", json=keys_body(keys), headers=self.admin
            )
            assert imported.status_code == 201, imported.text
        return product

    def order(self, product_id: str, email: str = "walk@example.com") -> dict[str, Any]:
        placed = self.client.post("/orders", json=order_body(product_id, 1, email=email))
        assert placed.status_code == 201, placed.text
        order: dict[str, Any] = placed.json()
        return order

    def pay(self, order: dict[str, Any], **changes: object) -> None:
        body, headers = ipn_request_for(order, self.ipn_secret, "finished", **changes)
        assert self.client.post("/payments/ipn", content=body, headers=headers).status_code == 200

    def settled(self, order_id: str, *states: str) -> dict[str, Any]:
        """The order once its fulfilment has run (jobs run in the server's process, after the IPN's
        answer)."""
        for _ in range(150):
            details: dict[str, Any] = self.client.get(f"/admin/orders/{order_id}", headers=self.admin).json()
            if details["order"]["status"] in states:
                return details
            time.sleep(0.1)
        raise AssertionError(f"order {order_id} never became {states}")


@pytest.fixture
def shop(server: Server) -> Iterator[Shop]:
    opened = Shop(server)
    try:
        yield opened
    finally:
        opened.client.close()


def seed_orders(server: Server, product_id: str) -> list[Order]:
    """`SEEDED` orders written straight into the server's database in one transaction (a request each
    would take most of a minute): two per second on `DAY`, so page edges fall between equal times;
    every seventh expired, every eleventh failed; one with a known email and invoice id."""

    async def write() -> list[Order]:
        settings = load_settings(
            {"BITLOOT_DATA_DIR": str(server.data_dir), "BITLOOT_PUBLIC_BASE_URL": server.base_url}
        )
        container = container_for(settings, build_broker(settings))
        made: list[Order] = []
        try:
            async with container() as request:
                uow = await request.get(UnitOfWork)
                for n in range(SEEDED):
                    at = DAY + timedelta(seconds=n // 2)
                    status = (
                        OrderStatus.EXPIRED
                        if n % 7 == 3
                        else OrderStatus.FAILED
                        if n % 11 == 5
                        else OrderStatus.AWAITING_PAYMENT
                    )
                    order = Order(
                        id=new_id(),
                        email=NEEDLE_EMAIL if n == 123 else f"buyer{n}@example.com",
                        currency="EUR",
                        items=[OrderItem(new_id(), product_id, 1 + n % 3, Money.of("9.99", "EUR"))],
                        access_token_hash="0" * 64,
                        created_at=at,
                        updated_at=at,
                        status=status,
                        payment_reference=NEEDLE_INVOICE if n == 123 else f"INV-{n}",
                        failure_reason="Not enough keys in stock." if status is OrderStatus.FAILED else None,
                    )
                    await uow.orders.add(order)
                    made.append(order)
                await uow.commit()
        finally:
            await container.close()
        return made

    # Playwright's sync API keeps an event loop of its own in this thread: the seeding gets one of its own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, write()).result()


def newest_first(orders: list[Order]) -> list[str]:
    return [o.id for o in sorted(orders, key=lambda o: (o.created_at, o.id), reverse=True)]


def listed_ids(page: Page) -> list[str]:
    return page.locator("#orders tbody td[data-label=Order] a").all_inner_texts()


def search(page: Page, text: str) -> list[str]:
    page.get_by_label("Order id, email or payment id").fill(text)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_label("Order id, email or payment id")).to_have_value(text)
    return listed_ids(page)


def walk(page: Page) -> list[str]:
    """Every row from this page on, following "Next page"; each page no bigger than 50."""
    seen: list[str] = []
    while True:
        rows = listed_ids(page)
        assert 0 < len(rows) <= 50
        seen += rows
        next_page = page.get_by_role("link", name="Next page")
        if not next_page.count():
            return seen
        next_page.click()
        expect(page.get_by_role("link", name="Back to the first page")).to_be_visible()


def test_search_filters_and_pages_over_a_few_hundred_orders(
    offline_page: OfflinePage, operators: Operators, server: Server, shop: Shop
) -> None:
    product = shop.product("WALK-SEARCH", ["KEY-WALK-SEARCH-0000"])
    seeded = seed_orders(server, product["id"])
    paid = shop.order(product["id"], email="payer@example.com")
    shop.pay(paid, payment_id=PAYMENT_ID)
    shop.settled(paid["id"], "fulfilled")
    page, base = offline_page.page, offline_page.base_url
    sign_in(page, base, operators.support)
    page.get_by_role("navigation").get_by_role("link", name="Orders").click()

    needle = next(o for o in seeded if o.email == NEEDLE_EMAIL)
    assert search(page, NEEDLE_EMAIL.upper()) == [needle.id], "an email, ignoring case"
    assert search(page, needle.id) == [needle.id], "an order id"
    assert search(page, NEEDLE_INVOICE) == [needle.id], "a payment reference (the invoice id)"
    assert search(page, str(PAYMENT_ID)) == [paid["id"]], "a payment id of one of its payments"
    expect(page.locator("#orders")).to_contain_text("payer@example.com")
    both_widths(offline_page, "orders-found")
    assert search(page, "nobody@example.com") == []
    expect(page.get_by_text("No orders match.")).to_be_visible()

    page.get_by_label("Order id, email or payment id").fill("")
    page.get_by_label("Created from").fill(DAY.date().isoformat())
    page.get_by_label("Created to").fill(DAY.date().isoformat())
    page.get_by_role("checkbox", name="expired").check()
    page.get_by_role("button", name="Search").click()
    expired = [o for o in seeded if o.status is OrderStatus.EXPIRED]
    assert walk(page) == newest_first(expired), "the state filter, newest first, kept on every page"

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Created from").fill(DAY.date().isoformat())
    page.get_by_label("Created to").fill(DAY.date().isoformat())
    page.get_by_role("button", name="Search").click()
    first = listed_ids(page)
    assert len(first) == 50
    page.get_by_role("link", name="Next page").click()
    both_widths(offline_page, "orders-page-2")
    page.get_by_role("link", name="Back to the first page").click()
    assert listed_ids(page) == first
    seen = walk(page)
    assert len(seen) == len(set(seen)) == SEEDED, "no order repeats and none is skipped"
    assert seen == newest_first(seeded)
    assert offline_page.refused == []


def order_state(page: Page) -> str:
    return page.locator("#summary .state").inner_text()


def test_an_owner_refunds_an_order_and_support_cannot(
    offline_page: OfflinePage, operators: Operators, shop: Shop
) -> None:
    product = shop.product("WALK-REFUND", KEYS[:2])
    refunded, kept = shop.order(product["id"]), shop.order(product["id"])
    for n, order in enumerate((refunded, kept)):
        shop.pay(order, payment_id=8100000001 + n)
        shop.settled(order["id"], "fulfilled")
    page, base = offline_page.page, offline_page.base_url
    sign_in(page, base, operators.owner)

    page.goto(f"{base}/console/orders/{refunded['id']}")
    expect(page.get_by_role("button", name="Retry fulfilment")).to_have_count(0)
    page.get_by_label("Reason for the refund").fill("chargeback at the provider")
    page.get_by_role("button", name="Mark refunded").click()

    expect(page.get_by_role("status")).to_have_text(
        "The order is marked refunded; its keys can no longer be revealed."
    )
    assert order_state(page) == "refunded"
    action = page.locator("#timeline tr[data-kind='operator action']", has_text="Order refunded")
    expect(action).to_contain_text("chargeback at the provider")
    expect(action).to_contain_text(operators.owner.email)
    expect(page.locator("#no-actions")).to_have_text("No action applies to an order that is refunded.")
    expect(page.get_by_role("button", name="Mark refunded")).to_have_count(0)
    expect(page.get_by_role("button", name="Resend delivery email")).to_have_count(0)
    both_widths(offline_page, "order-refunded")
    page.get_by_role("navigation").get_by_role("link", name="Audit").click()
    entry = page.locator("table.records tbody tr", has_text="order refunded").first
    expect(entry).to_contain_text(refunded["id"])
    expect(entry).to_contain_text("chargeback at the provider")
    expect(entry).to_contain_text(operators.owner.email)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base, operators.support)
    page.goto(f"{base}/console/orders/{kept['id']}")
    expect(page.get_by_role("button", name="Resend delivery email")).to_be_visible()
    expect(page.get_by_role("button", name="Mark refunded")).to_have_count(0)
    expect(page.get_by_label("Reason for the refund")).to_have_count(0)
    both_widths(offline_page, "order-support")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    posted = page.request.post(
        f"{base}/console/orders/{kept['id']}/refund",
        form={"csrf_token": token, "reason": "support tries anyway"},
        max_redirects=0,
    )
    assert posted.status == 403
    assert "Not for your role" in posted.text()
    page.reload()
    assert order_state(page) == "fulfilled"
    content = page.content()
    assert all(key not in content for key in KEYS)
    assert offline_page.refused == []


def test_a_retry_says_why_it_cannot_and_fulfils_once_stock_is_imported(
    offline_page: OfflinePage, operators: Operators, shop: Shop
) -> None:
    product = shop.product("WALK-RETRY", KEYS[2:3])
    first, second = shop.order(product["id"]), shop.order(product["id"])
    shop.pay(first, payment_id=8000000001)
    shop.settled(first["id"], "fulfilled")
    shop.pay(second, payment_id=8000000002)
    shop.settled(second["id"], "failed")
    page, base = offline_page.page, offline_page.base_url
    sign_in(page, base, operators.owner)

    page.goto(f"{base}/console/orders/{second['id']}")
    assert order_state(page) == "failed"
    expect(page.get_by_role("button", name="Resend delivery email")).to_have_count(0)
    page.get_by_role("button", name="Retry fulfilment").click()
    expect(page.get_by_role("alert")).to_have_text(
        "1 key of WALK-RETRY needed, 0 in stock: import keys first. Nothing was changed."
    )
    expect(page.get_by_role("status")).to_have_count(0)
    assert order_state(page) == "failed"
    both_widths(offline_page, "order-retry-refused")

    page.get_by_role("navigation").get_by_role("link", name="Overview").click()
    tile = page.locator("#low-stock .figure a")
    counted = int(tile.inner_text())
    tile.click()
    expect(page.get_by_role("heading", name="Products low on stock")).to_be_visible()
    expect(page.locator("table.products tbody tr")).to_have_count(counted)
    low = page.locator("table.products tbody tr", has_text="WALK-RETRY")
    expect(low.locator(".badge.low")).to_be_visible()
    both_widths(offline_page, "products-low")
    low.get_by_role("link", name="WALK-RETRY").click()
    page.get_by_label("Keys, one a line").fill(KEYS[3])
    page.get_by_role("button", name="Import keys").click()
    expect(page.get_by_role("status")).to_contain_text("Imported 1, refused 0.")

    page.goto(f"{base}/console/orders/{second['id']}")
    page.get_by_role("button", name="Retry fulfilment").click()
    expect(page.get_by_role("status")).to_have_text("Fulfilment queued again.")
    for _ in range(100):
        if order_state(page) == "fulfilled":
            break
        time.sleep(0.1)
        page.reload()
    assert order_state(page) == "fulfilled"
    expect(page.get_by_role("button", name="Retry fulfilment")).to_have_count(0)
    expect(page.get_by_role("button", name="Resend delivery email")).to_be_visible()
    expect(page.locator("#keys tbody tr")).to_have_count(1)
    expect(page.locator("#timeline")).to_contain_text("Fulfillment retried")
    both_widths(offline_page, "order-retried")
    content = page.content()
    assert all(key not in content for key in KEYS)
    assert offline_page.refused == []
