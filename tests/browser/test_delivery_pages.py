"""The delivery link's pages in a real browser (docs/vault.md, "The delivery pages"): the delivery
page, reveal, copy (the clipboard read back), reload (no second reveal), back, report a problem; an
expired link that emails a fresh one; a forged link; a form sent without its token. Every page is
checked with axe-core at 1280 and 390 px and kept as screenshots of both widths."""

import base64
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from bitloot.adapters.links.hmac_links import HmacDeliveryLinks
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import OfflinePage, Server, keep_console_errors, only_this_server
from tests.factories.http import keys_body, order_body, product_body
from tests.support.ipn import ipn_request_for

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)
# Long enough to need its box's horizontal scroll at 390 px.
KEYS = ["KEY-BROWSER-DELIVERY-AAAA-BBBB-CCCC-DDDD-1111", "KEY-BROWSER-DELIVERY-EEEE-FFFF-GGGG-HHHH-2222"]
# A key is sold once ever: the second test's order has keys of its own.
MORE_KEYS = ["KEY-BROWSER-EXPIRED-AAAA-1111", "KEY-BROWSER-EXPIRED-BBBB-2222"]
STEPS = "Open the Steam app\nChoose Games, then Activate a product on Steam\nEnter the key and confirm"


class Shop:
    """The server's API, as the test's own tools (admin token, IPN secret)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.stored = json.loads((server.data_dir / "secrets.json").read_text("utf-8"))
        self.admin = {"Authorization": f"Bearer {self.stored['admin_token']}"}
        self.client = httpx.Client(base_url=server.base_url, timeout=30)

    def fulfilled_order(self, sku: str, keys: list[str]) -> dict[str, Any]:
        """An order of two keys of a Steam game of its own."""
        product = self.client.post(
            "/admin/products",
            json=product_body(sku=sku, name="Hollow Peaks", price=Decimal("14.99")),
            headers=self.admin,
        ).json()
        redemption = {"platform": "Steam", "steps": STEPS, "activationUrl": "https://store.example/activate"}
        assert self.client.patch(
            f"/admin/products/{product['id']}", json={"redemption": redemption}, headers=self.admin
        ).is_success
        assert self.client.post(
            f"/admin/products/{product['id']}/keys", json=keys_body(keys), headers=self.admin
        ).is_success
        order: dict[str, Any] = self.client.post(
            "/orders", json=order_body(product["id"], 2, email="delivery@example.com")
        ).json()
        self.paid_in_full(order)
        return order

    def paid_in_full(self, order: dict[str, Any]) -> None:
        """The provider's IPN says `order` is paid in full; back once the order is fulfilled."""
        body, headers = ipn_request_for(order, self.stored["ipn_secret"].encode(), "finished")
        assert self.client.post("/payments/ipn", content=body, headers=headers).status_code == 200
        for _ in range(100):
            if self.details(order["id"])["order"]["status"] == "fulfilled":
                return
            time.sleep(0.1)
        raise AssertionError("the order was not fulfilled")

    def link(self, order: dict[str, Any]) -> str:
        answer = self.client.get(
            f"/fulfillment/{order['id']}/download-link",
            headers={"Authorization": f"Bearer {order['accessToken']}"},
        )
        assert answer.status_code == 200, answer.text
        url: str = answer.json()["signedUrl"]
        return url

    def expired_link(self, order_id: str) -> str:
        """A link the shop signed 20 minutes ago: genuine, and 5 minutes past its time."""
        links = HmacDeliveryLinks(base64.b64decode(self.stored["link_secret"]), self.server.base_url)
        return links.issue(order_id, datetime.now(UTC) - timedelta(minutes=20)).url

    def details(self, order_id: str) -> dict[str, Any]:
        answer = self.client.get(f"/admin/orders/{order_id}", headers=self.admin)
        assert answer.status_code == 200, answer.text
        details: dict[str, Any] = answer.json()
        return details

    def reveals(self, order_id: str) -> tuple[int, int]:
        details = self.details(order_id)
        return details["order"]["revealCount"], len(details["reveals"])


@pytest.fixture(scope="module")
def shop(server: Server) -> Iterator[Shop]:
    opened = Shop(server)
    yield opened
    opened.client.close()


@pytest.fixture
def customer_page(browser: Browser, server: Server) -> Iterator[OfflinePage]:
    """A page that may use the clipboard (as a customer who allowed it), refuses anything but this
    server, and fails on any console error (a policy violation included)."""
    context = browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    page = context.new_page()
    opened = OfflinePage(page, server.base_url)
    errors: list[str] = []
    only_this_server(context, server.base_url, opened.refused)
    keep_console_errors(page, errors)
    try:
        yield opened
        assert errors == []
        assert opened.refused == []
    finally:
        context.close()


def check(opened: OfflinePage, name: str) -> None:
    """axe at both widths, with a screenshot of each; the page never scrolls sideways at 390 px."""
    assert_accessible(opened.page, name)
    opened.screenshot(f"shop-{name}")
    opened.page.set_viewport_size(PHONE)
    assert_accessible(opened.page, f"{name} at 390 px")
    overflow = opened.page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= PHONE["width"], f"{name} is {overflow} px wide at 390 px"
    opened.screenshot(f"shop-{name}-390")
    opened.page.set_viewport_size(DESKTOP)


def assert_no_key(opened: OfflinePage, keys: list[str] = KEYS) -> None:
    content = opened.page.content()
    assert all(key not in content for key in keys)


def test_reveal_copy_reload_back_and_report(customer_page: OfflinePage, shop: Shop) -> None:
    order = shop.fulfilled_order("DELIVERY-1", KEYS)
    page = customer_page.page

    page.goto(shop.link(order))
    expect(page.get_by_role("heading", name="Your order")).to_be_visible()
    expect(page.get_by_role("heading", name="Hollow Peaks")).to_be_visible()
    expect(page.get_by_role("heading", name="How to redeem on Steam")).to_be_visible()
    expect(page.get_by_text("Your keys have not been revealed yet.")).to_be_visible()
    assert_no_key(customer_page)
    check(customer_page, "delivery")

    page.get_by_role("button", name="Reveal my keys").click()
    page.wait_for_url("**/keys?r=*")
    expect(page.get_by_role("heading", name="Your keys", exact=True)).to_be_visible()
    expect(page.locator("code.key")).to_have_count(2)
    first = page.locator("code.key").first
    shown = sorted(page.locator("code.key").all_inner_texts())
    assert shown == sorted(KEYS)
    expect(page.get_by_text("Your keys have been revealed once.")).to_be_visible()
    assert shop.reveals(order["id"]) == (1, len(KEYS))
    check(customer_page, "keys")

    # At 390 px a key stays on one line and scrolls inside its own box.
    page.set_viewport_size(PHONE)
    box = first.evaluate(
        "k => ({wrap: getComputedStyle(k).whiteSpace, scroll: k.scrollWidth, width: k.clientWidth, "
        "height: k.getBoundingClientRect().height, line: parseFloat(getComputedStyle(k).lineHeight)})"
    )
    assert box["wrap"] == "nowrap"
    assert box["scroll"] > box["width"], box
    assert box["height"] < 2 * box["line"], box
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="Copy").first.click()
    expect(page.get_by_text("Key copied to the clipboard.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == first.inner_text()

    page.reload()
    expect(page.get_by_role("heading", name="Your keys are hidden again")).to_be_visible()
    assert_no_key(customer_page)
    assert shop.reveals(order["id"]) == (1, len(KEYS))
    check(customer_page, "keys-hidden")

    page.go_back()
    expect(page.get_by_role("heading", name="Your order")).to_be_visible()
    expect(page.get_by_text("Your keys have been revealed once.")).to_be_visible()
    assert_no_key(customer_page)
    page.go_forward()
    expect(page.get_by_role("heading", name="Your keys are hidden again")).to_be_visible()
    assert_no_key(customer_page)
    assert shop.reveals(order["id"]) == (1, len(KEYS))

    page.get_by_role("button", name="Reveal my keys again").click()
    page.wait_for_url("**/keys?r=*")
    expect(page.locator("code.key")).to_have_count(2)
    assert shop.reveals(order["id"]) == (2, 2 * len(KEYS))
    page.get_by_text("Report a problem with this key").first.click()
    check(customer_page, "keys-report-form")
    page.get_by_label("What went wrong?").first.fill("Steam says this key was already used")
    page.get_by_role("button", name="Send the report").first.click()
    expect(page.get_by_role("heading", name="Report received")).to_be_visible()
    assert_no_key(customer_page)
    check(customer_page, "report-received")
    reports = shop.client.get("/admin/key-reports?status=open", headers=shop.admin).json()
    assert [(r["orderId"], r["message"]) for r in reports] == [
        (order["id"], "Steam says this key was already used")
    ]


def test_an_expired_link_emails_a_fresh_one_and_a_forged_one_is_gone(
    customer_page: OfflinePage, shop: Shop
) -> None:
    order = shop.fulfilled_order("DELIVERY-2", MORE_KEYS)
    page = customer_page.page

    page.goto(shop.expired_link(order["id"]))
    expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    assert_no_key(customer_page, MORE_KEYS)
    check(customer_page, "link-expired")
    page.get_by_role("button", name="Email me a fresh link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert "delivery@example.com" not in page.content()
    check(customer_page, "fresh-link-sent")
    kinds = [e["kind"] for e in shop.details(order["id"])["emails"]]
    assert kinds.count("link_requested") == 1

    live = shop.link(order)
    token = live.rsplit("/d/", 1)[1]
    page.goto(f"{shop.server.base_url}/d/{token[:-2]}{'AA' if token[-2:] != 'AA' else 'BB'}")
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(page.get_by_role("button")).to_have_count(0)
    check(customer_page, "link-forged")

    # A reveal form whose token is not its page's (as another site would send it) changes nothing.
    before = shop.reveals(order["id"])
    page.goto(live)
    page.locator("input[name=csrf_token]").evaluate("field => { field.value = '0'.repeat(64); }")
    page.get_by_role("button", name="Reveal my keys").click()
    expect(page.get_by_role("heading", name="This form has expired")).to_be_visible()
    assert_no_key(customer_page, MORE_KEYS)
    assert shop.reveals(order["id"]) == before
    check(customer_page, "form-refused")
