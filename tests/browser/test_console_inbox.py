"""The webhook inbox and key reports in a real browser (docs/console.md): an owner filters the inbox,
opens a delivery and replays it, then replaces a key a customer reported; screenshots at 1280 and
390 px. No page shows a key."""

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

KEYS = ["KEY-BROWSER-INBOX-1111", "KEY-BROWSER-SPARE-2222"]


def a_reported_key(server: Server) -> dict[str, Any]:
    """Through the API as a shop and its customer would: a product with two keys, an order paid
    (its IPN sent twice), its key revealed and reported. Answers the order."""
    secrets = json.loads((server.data_dir / "secrets.json").read_text("utf-8"))
    admin = {"Authorization": f"Bearer {secrets['admin_token']}"}
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        product = client.post(
            "/admin/products", json=product_body(sku="INBOX-1", price=Decimal("9.99")), headers=admin
        ).json()
        imported = client.post(f"/admin/products/{product['id']}/keys", json=keys_body(KEYS), headers=admin)
        assert imported.status_code == 201, imported.text
        order: dict[str, Any] = client.post(
            "/orders", json=order_body(product["id"], 1, email="player@example.com")
        ).json()
        body, headers = ipn_request_for(order, secrets["ipn_secret"].encode())
        for _ in range(2):
            assert client.post("/payments/ipn", content=body, headers=headers).status_code == 200
        bearer = {"Authorization": f"Bearer {order['accessToken']}"}
        deadline = time.monotonic() + 30
        while (
            client.get(f"/fulfillment/{order['id']}/status", headers=bearer).json()["status"] != "fulfilled"
        ):
            assert time.monotonic() < deadline, "the order was not fulfilled"
            time.sleep(0.2)
        [key] = client.post(f"/fulfillment/{order['id']}/reveal", headers=bearer).json()["keys"]
        made = client.post(
            f"/fulfillment/{order['id']}/reports",
            headers=bearer,
            json={"keyId": key["keyId"], "message": "Steam says this key was already used"},
        )
        assert made.status_code == 201, made.text
    return order


def test_an_owner_filters_the_inbox_replays_a_delivery_and_replaces_a_reported_key(
    offline_page: OfflinePage, operators: Operators, server: Server
) -> None:
    order = a_reported_key(server)
    page, base = offline_page.page, offline_page.base_url
    seen: list[str] = []
    sign_in(page, base, operators.owner)

    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhook inbox")).to_be_visible()
    page.get_by_label("Provider").select_option("nowpayments")
    page.get_by_label("Outcome").fill("duplicate")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("table.records tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("duplicate")
    expect(rows.first).to_contain_text(order["id"])
    seen.append(page.content())
    page.get_by_label("Outcome").fill("")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(2)
    both_widths(offline_page, "webhooks")

    rows.last.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Webhook delivery")).to_be_visible()
    expect(page.locator("pre.raw-body")).to_contain_text('"payment_status"')
    both_widths(offline_page, "webhook")
    seen.append(page.content())
    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_role("status")).to_have_text(
        "Replayed: this is the replay's own delivery; its outcome is duplicate."
    )
    expect(page.locator(".fields")).to_contain_text("Replay of")
    seen.append(page.content())

    page.get_by_role("link", name="Key reports").click()
    expect(page.get_by_role("heading", name="Key reports")).to_be_visible()
    expect(page.locator("table.records")).to_contain_text("Steam says this key was already used")
    both_widths(offline_page, "key-reports")
    seen.append(page.content())
    page.get_by_label("Reason").fill("already used on Steam")
    page.get_by_role("button", name="Replace key").click()
    expect(page.get_by_role("status")).to_have_text("Key replaced: the customer gets a fresh link by email.")
    page.get_by_label("Status").select_option("replaced")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table.records")).to_contain_text("already used on Steam")
    seen.append(page.content())

    for content in seen:
        assert not any(key in content for key in KEYS)
    assert offline_page.refused == []
