"""The customer's whole journey in a real browser, in one walk (docs/http-api.md, docs/vault.md): an
order placed over HTTP, its "order received" email read from a real SMTP server, the payment in the simulator,
`/paid`, the order page following the payment live to fulfilled, "email me a fresh delivery link",
the link taken out of that email, reveal, copy (the clipboard read back), reload (the keys hidden, no
second reveal), report a problem. Beside it: an underpaid order shows what is missing, an expired
delivery link emails a fresh one, and a lookup with a wrong address gets the same answer as with the
right one but no email.

`bitloot serve` sends its emails to `SmtpTestServer` (`BITLOOT_SMTP_URL`). No email carries the key,
and no page but the keys page right after a reveal shows it. axe-core runs on every page reached, at
1280 and 390 px, with screenshots (`test-output/screenshots/shop-walk-*.png`)."""

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.accessibility import DESKTOP, check_page
from tests.browser.conftest import Server, keep_console_errors, only_this_server, running_server
from tests.browser.test_delivery_pages import Shop
from tests.factories.http import keys_body, order_body, product_body
from tests.providers.smtp_server import Captured, SmtpTestServer, smtp_server

SHOP_NAME = "Pixel Harbour"
SUPPORT = "help@pixel-harbour.example"
RECEIVED = f"{SHOP_NAME}: we received your order"
READY = f"Your {SHOP_NAME} order is ready"
FRESH = f"Your {SHOP_NAME} order: the fresh link you asked for"
UNDERPAID = f"Your {SHOP_NAME} order is not fully paid"
ORDER_LINK = f"Your {SHOP_NAME} order page"
WALK_KEY = "KEY-WALK-7Q2M-X9PL-4RTA-K8VB"
EXPIRED_KEY = "KEY-WALK-EXPIRED-3JHD-9QWE"
# The order page follows its order over Server-Sent Events; a change shows within a few seconds.
LIVE_TIMEOUT_MS = 20_000
# Emails other than the delivery go out at the reconciler's next round (every second here).
MAIL_WITHIN = 20.0
# Long enough for a few rounds of the reconciler: an email owed would have gone out by then.
QUIET_FOR = 4.0


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpTestServer]:
    with smtp_server() as started:
        yield started


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpTestServer) -> Iterator[Server]:
    """The module's shop, sending its emails to `smtp`, under a name and support address of its own."""
    with running_server(
        tmp_path_factory.mktemp("browser-journey"),
        SMTP_URL=smtp.url(),
        SHOP_NAME=SHOP_NAME,
        SUPPORT_EMAIL=SUPPORT,
        RECONCILE_EVERY_SECONDS="1",
    ) as started:
        yield started


class Storefront(Shop):
    """The shop's API as the test's own tools, with products stocked and orders placed to measure."""

    def order_of_one(self, buyer: str, sku: str, name: str, key: str, price: Decimal) -> dict[str, Any]:
        """`buyer`'s order of one `key`: the only key of a product of its own, stocked for the order."""
        product = self.client.post(
            "/admin/products", json=product_body(sku=sku, name=name, price=price), headers=self.admin
        ).json()
        assert self.client.post(
            f"/admin/products/{product['id']}/keys", json=keys_body([key]), headers=self.admin
        ).is_success
        answer = self.client.post("/orders", json=order_body(product["id"], 1, email=buyer))
        assert answer.status_code == 201, answer.text
        order: dict[str, Any] = answer.json()
        return order


@pytest.fixture(scope="module")
def shop(server: Server) -> Iterator[Storefront]:
    opened = Storefront(server)
    yield opened
    opened.client.close()


class Mailbox:
    """What the shop sent to the test SMTP server, by recipient and subject."""

    def __init__(self, smtp: SmtpTestServer, base_url: str) -> None:
        self.smtp = smtp
        self.delivery_link = re.compile(re.escape(base_url) + r"/d/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
        self.order_page = re.compile(re.escape(base_url) + r"/o/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")

    def sent(self, to: str | None = None, subject: str | None = None) -> list[Captured]:
        return [
            mail
            for mail in list(self.smtp.messages)
            if (to is None or to in mail.recipients)
            and (subject is None or mail.message["Subject"] == subject)
        ]

    def wait_for(self, to: str, subject: str, count: int = 1) -> Captured:
        """The latest of at least `count` emails to `to` with `subject`."""
        deadline = time.monotonic() + MAIL_WITHIN
        while len(found := self.sent(to, subject)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} emails {subject!r} to {to} arrived")
            time.sleep(0.1)
        return found[-1]

    def quiet(self, subject: str) -> None:
        """No email with `subject`, to anyone, for `QUIET_FOR` seconds."""
        deadline = time.monotonic() + QUIET_FOR
        while time.monotonic() < deadline:
            assert self.sent(subject=subject) == [], f"an email {subject!r} was sent"
            time.sleep(0.1)

    def none_carries(self, key: str, to: str) -> None:
        """No email sent to `to` carries `key`: not in its text, its HTML, nor anywhere in its source."""
        for mail in self.sent(to):
            assert key not in mail.text
            assert key not in mail.html
            assert key not in mail.raw

    def link(self, mail: Captured, pattern: re.Pattern[str]) -> str:
        """The one link of `pattern` in the email: the same in its text and in its HTML."""
        in_text: set[str] = set(pattern.findall(mail.text))
        assert len(in_text) == 1, in_text
        assert set(pattern.findall(mail.html)) == in_text
        return in_text.pop()


@pytest.fixture
def mailbox(smtp: SmtpTestServer, server: Server) -> Mailbox:
    return Mailbox(smtp, server.base_url)


@dataclass
class Customer:
    """A customer's browser: tabs that reach only this server, may use the clipboard and fail the test
    on any script error or refused policy; it remembers every page it looked at, to check where a
    key showed."""

    context: BrowserContext
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seen: list[tuple[str, str]] = field(default_factory=list)

    def tab(self) -> Page:
        page = self.context.new_page()
        keep_console_errors(page, self.errors)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    def look(self, page: Page, name: str) -> None:
        """Keep what `page` shows now; then axe and screenshots at both widths."""
        self.seen.append((page.url, page.content()))
        check_page(page, f"shop-walk-{name}")


@pytest.fixture
def customer(browser: Browser, server: Server) -> Iterator[Customer]:
    context = browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    opened = Customer(context)
    only_this_server(context, server.base_url, opened.refused)
    try:
        yield opened
        assert opened.errors == []
        assert opened.refused == []
    finally:
        context.close()


def state(page: Page) -> Any:
    return expect(page.locator("#order-state"))


def test_the_whole_journey_from_order_to_key_and_a_report(
    customer: Customer, shop: Storefront, mailbox: Mailbox
) -> None:
    buyer = "walker@example.com"
    order = shop.order_of_one(buyer, "WALK-1", "Star Voyage", WALK_KEY, Decimal("14.99"))

    # The "order received" email: where to pay, and the order page.
    received = mailbox.wait_for(buyer, RECEIVED)
    order_page = mailbox.link(received, mailbox.order_page)
    assert order["paymentUrl"] in received.text
    assert order["paymentUrl"] in received.html

    # The order page, opened from the email, is left open while the customer pays.
    watching = customer.tab()
    watching.goto(order_page)
    expect(watching.get_by_role("heading", name="Your order")).to_be_visible()
    state(watching).to_have_text("Waiting for your payment")
    expect(watching.get_by_role("cell", name="Star Voyage")).to_be_visible()
    customer.look(watching, "order-awaiting-payment")

    paying = customer.tab()
    paying.goto(order["paymentUrl"])
    expect(paying.get_by_role("heading", name="Pay with the simulator")).to_be_visible()
    customer.look(paying, "simulator")
    paying.get_by_role("button", name="Pay in full (finished)").click()
    expect(paying.get_by_role("heading", name="Payment sent")).to_be_visible()
    customer.look(paying, "simulator-sent")
    paying.get_by_role("link", name="Return to the shop").click()
    expect(paying.get_by_role("heading", name="Thank you")).to_be_visible()
    assert urlsplit(paying.url).path == "/paid"
    state(paying).to_have_text("Your keys are ready", timeout=LIVE_TIMEOUT_MS)
    customer.look(paying, "paid")
    paying.get_by_role("link", name="Open my order page").click()
    expect(paying.get_by_role("heading", name="Your order")).to_be_visible()
    state(paying).to_have_text("Your keys are ready")

    # The first tab was never reloaded by the test: its live updates brought it to fulfilled.
    state(watching).to_have_text("Your keys are ready", timeout=LIVE_TIMEOUT_MS)
    assert watching.url == order_page
    expect(watching.locator("#reveals")).to_have_text("Your keys have not been revealed yet.")
    customer.look(watching, "order-fulfilled")

    watching.get_by_role("button", name="Email me a fresh delivery link").click()
    expect(watching.locator("#notice")).to_contain_text("to the address of the order")
    customer.look(watching, "order-fresh-link-sent")
    fresh = mailbox.wait_for(buyer, FRESH)
    delivery = mailbox.link(fresh, mailbox.delivery_link)

    keys = customer.tab()
    keys.goto(delivery)
    expect(keys.get_by_role("heading", name="Your order")).to_be_visible()
    expect(keys.get_by_role("heading", name="Star Voyage")).to_be_visible()
    expect(keys.get_by_text("Your keys have not been revealed yet.")).to_be_visible()
    customer.look(keys, "delivery")

    keys.get_by_role("button", name="Reveal my keys").click()
    keys.wait_for_url("**/keys?r=*")
    revealed_at = keys.url
    expect(keys.locator("code.key")).to_have_count(1)
    shown = keys.locator("code.key").inner_text()
    assert shown == WALK_KEY
    expect(keys.get_by_text("Your keys have been revealed once.")).to_be_visible()
    assert shop.reveals(order["id"]) == (1, 1)
    customer.look(keys, "keys")

    keys.get_by_role("button", name="Copy").click()
    expect(keys.get_by_text("Key copied to the clipboard.")).to_be_visible()
    assert keys.evaluate("navigator.clipboard.readText()") == shown

    keys.reload()
    expect(keys.get_by_role("heading", name="Your keys are hidden again")).to_be_visible()
    expect(keys.locator("code.key")).to_have_count(0)
    expect(keys.get_by_text("Your keys have been revealed once.")).to_be_visible()
    customer.look(keys, "keys-hidden")
    # No second reveal event: neither the order's count nor its recorded reveals moved.
    assert shop.reveals(order["id"]) == (1, 1)
    paying.reload()
    expect(paying.locator("#reveals")).to_have_text("Your keys were revealed once.")

    # To report the key the customer shows it again, on purpose: that is the second reveal.
    keys.get_by_role("button", name="Reveal my keys again").click()
    keys.wait_for_url("**/keys?r=*")
    assert keys.locator("code.key").inner_text() == WALK_KEY
    assert shop.reveals(order["id"]) == (2, 2)
    reported_from = keys.url
    keys.get_by_text("Report a problem with this key").click()
    keys.get_by_label("What went wrong?").fill("Steam says this key is for another region")
    keys.get_by_role("button", name="Send the report").click()
    expect(keys.get_by_role("heading", name="Report received")).to_be_visible()
    customer.look(keys, "report-received")
    reports = shop.client.get("/admin/key-reports?status=open", headers=shop.admin).json()
    assert [(r["orderId"], r["message"]) for r in reports] == [
        (order["id"], "Steam says this key is for another region")
    ]

    # The key showed on the keys pages right after a reveal, and nowhere else.
    assert [url for url, content in customer.seen if WALK_KEY in content] == [revealed_at]
    assert revealed_at != reported_from
    assert all(buyer not in content for _, content in customer.seen)
    mailbox.wait_for(buyer, READY)
    assert {mail.message["Subject"] for mail in mailbox.sent(to=buyer)} == {RECEIVED, READY, FRESH}
    mailbox.none_carries(WALK_KEY, to=buyer)


def test_an_underpaid_order_shows_the_missing_amount_and_a_cancelled_payment_leads_back(
    customer: Customer, shop: Storefront, mailbox: Mailbox, server: Server
) -> None:
    buyer = "half@example.com"
    order = shop.order_of_one(buyer, "WALK-HALF", "Ember Roads", "KEY-WALK-HALF-1111", Decimal("19.00"))
    order_page = mailbox.link(mailbox.wait_for(buyer, RECEIVED), mailbox.order_page)
    token = order_page.rsplit("/o/", 1)[1]
    page = customer.tab()

    # The provider sends a customer who cancelled to /cancelled, with the order page's token.
    page.goto(f"{server.base_url}/cancelled?order={order['id']}&page={token}")
    expect(page.get_by_role("heading", name="Payment cancelled")).to_be_visible()
    customer.look(page, "cancelled")
    page.get_by_role("link", name="Open my order page").click()
    state(page).to_have_text("Waiting for your payment")
    page.goto(f"{server.base_url}/cancelled")
    expect(page.get_by_role("link", name="Find your order")).to_be_visible()
    customer.look(page, "cancelled-no-order")
    page.goto(f"{server.base_url}/paid")
    expect(page.get_by_role("link", name="Find your order")).to_be_visible()
    customer.look(page, "paid-no-order")

    page.goto(order["paymentUrl"])
    page.get_by_role("button", name="Pay half (partially_paid)").click()
    expect(page.get_by_role("heading", name="Payment sent")).to_be_visible()
    page.get_by_role("link", name="Back to your order").click()
    state(page).to_have_text("Part of your payment arrived")
    # 9.5 or 9.50, however the amounts are written.
    expect(page.locator("#missing")).to_have_text(re.compile(r"^9\.50* SIM$"))
    expect(page.get_by_role("link", name="Pay the missing amount")).to_have_attribute(
        "href", order["paymentUrl"]
    )
    customer.look(page, "order-underpaid")

    underpaid = mailbox.wait_for(buyer, UNDERPAID)
    missing = re.compile(r"Missing:?\s*(?:</td><td[^>]*>)?\s*9\.50* SIM", re.IGNORECASE)
    assert missing.search(underpaid.text), underpaid.text
    assert missing.search(underpaid.html), underpaid.html
    assert order["paymentUrl"] in underpaid.text


def test_an_expired_delivery_link_emails_a_fresh_one(
    customer: Customer, shop: Storefront, mailbox: Mailbox
) -> None:
    buyer = "late@example.com"
    order = shop.order_of_one(buyer, "WALK-LATE", "Quiet Harbour", EXPIRED_KEY, Decimal("9.99"))
    shop.paid_in_full(order)
    mailbox.wait_for(buyer, READY)
    page = customer.tab()

    page.goto(shop.expired_link(order["id"]))
    expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    customer.look(page, "link-expired")
    page.get_by_role("button", name="Email me a fresh link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    customer.look(page, "link-expired-fresh-sent")

    fresh = mailbox.wait_for(buyer, FRESH)
    page.goto(mailbox.link(fresh, mailbox.delivery_link))
    expect(page.get_by_role("heading", name="Your order")).to_be_visible()
    expect(page.get_by_role("heading", name="Quiet Harbour")).to_be_visible()
    expect(page.get_by_role("button", name="Reveal my keys")).to_be_visible()
    customer.look(page, "link-expired-fresh-opened")
    assert all(EXPIRED_KEY not in content for _, content in customer.seen)
    mailbox.none_carries(EXPIRED_KEY, to=buyer)


def test_a_lookup_with_a_wrong_address_gets_the_same_answer_and_no_email(
    customer: Customer, shop: Storefront, mailbox: Mailbox, server: Server
) -> None:
    buyer = "lost@example.com"
    order = shop.order_of_one(buyer, "WALK-LOOKUP", "Salt Meridian", "KEY-WALK-LOOKUP-1111", Decimal("4.99"))
    mailbox.wait_for(buyer, RECEIVED)
    page = customer.tab()

    def look_up(email: str) -> str:
        page.goto(server.base_url + "/o/lookup")
        expect(page.get_by_role("heading", name="Find your order")).to_be_visible()
        page.get_by_label("Order id").fill(order["id"])
        page.get_by_label("Email address").fill(email)
        page.get_by_role("button", name="Email me the order link").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        answer: str = page.locator("main").inner_text()
        return answer

    page.goto(server.base_url + "/o/lookup")
    customer.look(page, "lookup")
    wrong = look_up("not-the-buyer@example.com")
    customer.look(page, "lookup-answer")
    mailbox.quiet(ORDER_LINK)

    assert look_up(buyer) == wrong
    sent = mailbox.wait_for(buyer, ORDER_LINK)
    assert sent.recipients == [buyer]
    time.sleep(QUIET_FOR)
    assert mailbox.sent(subject=ORDER_LINK) == [sent]

    page.goto(mailbox.link(sent, mailbox.order_page))
    expect(page.get_by_role("heading", name="Your order")).to_be_visible()
    state(page).to_have_text("Waiting for your payment")
