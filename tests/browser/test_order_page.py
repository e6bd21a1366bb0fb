"""The customer's way from paying to the order page in a real browser (docs/http-api.md): an order page left
open while the customer pays in the simulator and comes back through `/paid` updates itself to
`fulfilled` in place (no reload, by hand or by the page, and the new state said in its live region),
then emails a fresh delivery link; an underpaid order shows what is
missing; "Lost your email?" answers a wrong address like any other; a forged link gets the 410 page.
axe-core on each page, and its screenshots, at 1280 and 390 px."""

import json
import re
from decimal import Decimal
from typing import Any

import httpx
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.accessibility import assert_accessible, check_page
from tests.browser.conftest import OfflinePage, Server
from tests.factories.http import keys_body, order_body, product_body

KEYS = ["KEY-BROWSER-SHOP-1111", "KEY-BROWSER-SHOP-2222", "KEY-BROWSER-SHOP-3333"]
# The order page updates itself at the next look of its live updates (every 1.5 s) after a change.
LIVE_TIMEOUT_MS = 20_000


def both_widths(opened: OfflinePage, name: str) -> None:
    """axe-core at 1280 and 390 px (no serious or critical violation), a screenshot of each."""
    check_page(opened.page, f"shop-{name}")


def placed_order(server: Server, sku: str, keys: list[str]) -> dict[str, Any]:
    stored = json.loads((server.data_dir / "secrets.json").read_text("utf-8"))
    admin = {"Authorization": f"Bearer {stored['admin_token']}"}
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        body = product_body(sku=sku, name=f"Star Voyage ({sku})", price=Decimal("14.99"))
        product = client.post("/admin/products", json=body, headers=admin).json()
        assert client.post(
            f"/admin/products/{product['id']}/keys", json=keys_body(keys), headers=admin
        ).is_success
        order: dict[str, Any] = client.post(
            "/orders", json=order_body(product["id"], 1, email="walker@example.com")
        ).json()
    return order


def record_problems(page: Page) -> list[str]:
    """What the browser complains about: script errors and refused policies."""
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def main_frame_navigations(page: Page) -> list[str]:
    """Each address the page's main frame goes to from now on (a reload counts as one)."""
    navigations: list[str] = []
    page.on(
        "framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None
    )
    return navigations


def test_the_order_page_follows_the_payment_live_to_fulfilled_and_sends_a_fresh_link(
    offline_page: OfflinePage, server: Server
) -> None:
    order = placed_order(server, "SHOP-LIVE", KEYS[:1])
    page = offline_page.page
    problems = record_problems(page)

    page.goto(order["orderPageUrl"])
    expect(page.get_by_role("heading", name="Your order")).to_be_visible()
    expect(page.locator("#order-state")).to_have_text("Waiting for your payment")
    expect(page.get_by_role("cell", name="Star Voyage (SHOP-LIVE)")).to_be_visible()
    expect(page.locator("#order-announce")).to_have_text("")
    both_widths(offline_page, "order-awaiting-payment")
    # Gone if the page were loaded again.
    page.evaluate("window.bitlootMarker = 'the same page'")
    navigations = main_frame_navigations(page)

    # The customer pays in another tab, as a payment provider's page would open.
    payment = page.context.new_page()
    paying = OfflinePage(payment, offline_page.base_url)
    payment.goto(order["paymentUrl"])
    expect(payment.get_by_role("heading", name="Pay with the simulator")).to_be_visible()
    both_widths(paying, "simulator")
    payment.get_by_role("button", name="Pay in full (finished)").click()
    expect(payment.get_by_role("heading", name="Payment sent")).to_be_visible()
    both_widths(paying, "simulator-sent")
    payment.get_by_role("link", name="Return to the shop").click()
    expect(payment.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(payment.locator("#order-state")).to_have_text("Your keys are ready", timeout=LIVE_TIMEOUT_MS)
    both_widths(paying, "paid")

    # The first tab was never reloaded, by hand or by itself: its live updates brought it to fulfilled
    # in place, and said so in its live region.
    expect(page.locator("#order-state")).to_have_text("Your keys are ready", timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#reveals")).to_have_text("Your keys have not been revealed yet.")
    expect(page.locator("#order-announce")).to_have_text("Your keys are ready")
    expect(page.locator("#live-note")).to_have_count(0)
    expect(page.locator("#order")).not_to_have_attribute("data-order-events", re.compile(".*"))
    assert page.evaluate("window.bitlootMarker") == "the same page"
    assert navigations == []
    assert_accessible(page, "order page updated in place")
    both_widths(offline_page, "order-fulfilled")

    page.get_by_role("button", name="Email me a fresh delivery link").click()
    expect(page.locator("#notice")).to_contain_text("to the address of the order")
    both_widths(offline_page, "order-fresh-link-sent")

    # /paid leads to the same page.
    payment.get_by_role("link", name="Open my order page").click()
    expect(payment.locator("#order-state")).to_have_text("Your keys are ready")
    for shown in (page.content(), payment.content()):
        assert KEYS[0] not in shown
        assert "walker@example.com" not in shown
    assert problems == []
    assert offline_page.refused == []


def test_without_event_source_the_order_page_still_updates_in_place(
    offline_page: OfflinePage, server: Server
) -> None:
    order = placed_order(server, "SHOP-POLL", ["KEY-BROWSER-SHOP-4444"])
    page = offline_page.page
    problems = record_problems(page)
    # A browser without Server-Sent Events: the page looks again every 10 seconds instead.
    page.add_init_script("delete window.EventSource;")

    page.goto(order["orderPageUrl"])
    expect(page.locator("#order-state")).to_have_text("Waiting for your payment")
    page.evaluate("window.bitlootMarker = 'the same page'")
    navigations = main_frame_navigations(page)
    payment = page.context.new_page()
    payment.goto(order["paymentUrl"])
    payment.get_by_role("button", name="Pay in full (finished)").click()
    expect(payment.get_by_role("heading", name="Payment sent")).to_be_visible()

    expect(page.locator("#order-state")).to_have_text("Your keys are ready", timeout=2 * LIVE_TIMEOUT_MS)
    expect(page.locator("#order-announce")).to_have_text("Your keys are ready")
    assert page.evaluate("window.bitlootMarker") == "the same page"
    assert navigations == []
    assert problems == []
    assert offline_page.refused == []


def test_an_underpaid_order_shows_the_missing_amount(offline_page: OfflinePage, server: Server) -> None:
    order = placed_order(server, "SHOP-HALF", KEYS[1:2])
    page = offline_page.page
    problems = record_problems(page)

    page.goto(order["paymentUrl"])
    page.get_by_role("button", name="Pay half (partially_paid)").click()
    page.get_by_role("link", name="Back to your order").click()

    expect(page.locator("#order-state")).to_have_text("Part of your payment arrived")
    expect(page.locator("#missing")).to_have_text("7.495 SIM")
    expect(page.get_by_role("link", name="Pay the missing amount")).to_have_attribute(
        "href", order["paymentUrl"]
    )
    both_widths(offline_page, "order-underpaid")
    assert problems == []
    assert offline_page.refused == []


def test_a_lookup_with_a_wrong_address_gets_the_same_answer_and_a_forged_link_the_410_page(
    offline_page: OfflinePage, server: Server
) -> None:
    order = placed_order(server, "SHOP-LOOKUP", KEYS[2:])
    page, base = offline_page.page, offline_page.base_url

    page.goto(base + "/o/lookup")
    expect(page.get_by_role("heading", name="Find your order")).to_be_visible()
    both_widths(offline_page, "lookup")
    page.get_by_label("Order id").fill(order["id"])
    page.get_by_label("Email address").fill("not-the-buyer@example.com")
    page.get_by_role("button", name="Email me the order link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    wrong = page.locator("main").inner_text()
    both_widths(offline_page, "lookup-answer")

    page.goto(base + "/o/lookup")
    page.get_by_label("Order id").fill(order["id"])
    page.get_by_label("Email address").fill("walker@example.com")
    page.get_by_role("button", name="Email me the order link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert page.locator("main").inner_text() == wrong

    answer = page.goto(order["orderPageUrl"] + "x")
    assert answer is not None
    assert answer.status == 410
    expect(page.get_by_role("heading", name="This order link has expired")).to_be_visible()
    both_widths(offline_page, "order-link-gone")
    page.get_by_role("link", name="Find my order").click()
    expect(page.get_by_role("heading", name="Find your order")).to_be_visible()
    assert offline_page.refused == []
