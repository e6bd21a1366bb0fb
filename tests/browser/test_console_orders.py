"""The console's Overview, Orders and Order pages in a real browser (docs/console.md, "The pages"):
an owner opens the overview, searches, opens a paid order, resends its email and replaces its key,
and reads the messages and the timeline; screenshots at 1280 and 390 px."""

import json
import time
from decimal import Decimal
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import OfflinePage, Operators, Server, sign_in
from tests.browser.test_console_auth import both_widths
from tests.factories.http import keys_body, order_body, product_body
from tests.support.ipn import ipn_request_for

KEYS = ["KEY-BROWSER-ORDERS-1111", "KEY-BROWSER-ORDERS-2222"]


def paid_order(server: Server) -> dict[str, Any]:
    stored = json.loads((server.data_dir / "secrets.json").read_text("utf-8"))
    admin = {"Authorization": f"Bearer {stored['admin_token']}"}
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        product = client.post(
            "/admin/products", json=product_body(sku="ORDERS-1", price=Decimal("9.99")), headers=admin
        ).json()
        assert client.post(
            f"/admin/products/{product['id']}/keys", json=keys_body(KEYS), headers=admin
        ).is_success
        order: dict[str, Any] = client.post(
            "/orders", json=order_body(product["id"], 1, email="browser@example.com")
        ).json()
        body, headers = ipn_request_for(order, stored["ipn_secret"].encode(), "finished")
        assert client.post("/payments/ipn", content=body, headers=headers).status_code == 200
        for _ in range(100):
            details = client.get(f"/admin/orders/{order['id']}", headers=admin).json()
            if details["keys"]:
                return order
            time.sleep(0.1)
    raise AssertionError("the order was not fulfilled")


def test_an_owner_reads_an_order_resends_its_email_and_replaces_its_key(
    offline_page: OfflinePage, operators: Operators, server: Server
) -> None:
    order = paid_order(server)
    page, base = offline_page.page, offline_page.base_url
    sign_in(page, base, operators.owner)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator("#orders-by-state")).to_contain_text("fulfilled")
    both_widths(offline_page, "overview")

    page.get_by_role("navigation").get_by_role("link", name="Orders").click()
    page.get_by_label("Order id, email or payment id").fill("BROWSER@example.com")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#orders")).to_contain_text("browser@example.com")
    both_widths(offline_page, "orders")

    page.get_by_role("link", name=order["id"]).click()
    expect(page.get_by_role("heading", name=f"Order {order['id']}")).to_be_visible()
    page.get_by_role("button", name="Resend delivery email").click()
    expect(page.get_by_role("status")).to_have_text("The delivery email is queued to be sent again.")
    page.locator("form.replace input[name=reason]").fill("Steam says it was used")
    page.get_by_role("button", name="Replace").click()
    expect(page.get_by_role("status")).to_contain_text("The key is replaced")
    expect(page.locator("#keys")).to_contain_text("replaced by")
    expect(page.locator("#timeline")).to_contain_text("Email resent")
    expect(page.locator("#timeline")).to_contain_text("Key replaced")
    both_widths(offline_page, "order")
    content = page.content()
    assert all(key not in content for key in KEYS)
    assert offline_page.refused == []
