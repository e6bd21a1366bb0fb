"""The customer emails' words (Jinja2 templates): every kind as text and as HTML, with the shop's name,
its support address when it has one and the order page link; the HTML escapes what it shows."""

import re
from dataclasses import replace
from datetime import timedelta, timezone
from decimal import Decimal
from html import unescape

import pytest

from bitloot.adapters.email.jinja_renderer import JinjaEmailRenderer
from bitloot.application.ports.email_renderer import EmailLine, RenderedEmail, Underpayment
from bitloot.domain.delivery_email import CARRIES_DELIVERY_LINK, DeliveryEmailKind
from bitloot.domain.money import Money
from bitloot.domain.shop import ShopIdentity
from tests.factories.emails import ORDER_ID, RENDERER, SENT_AT, order_email

K = DeliveryEmailKind
# What each kind's text says, besides what every email says.
SAYS = {
    K.ORDER_RECEIVED: "thank you for your order",
    K.UNDERPAID: "less than the amount asked for",
    K.ORDER_FAILED: "What happens next",
    K.ORDER_FULFILLED: f"order {ORDER_ID} is ready.",
    K.DELIVERY_RESENT: "here is a fresh link",
    K.KEY_REPLACED: "we replaced the key you reported",
    K.LINK_REQUESTED: "the fresh link you asked for",
    K.ORDER_LINK: "here is the page of your order",
    K.EXPIRED_PARTLY_PAID: "no key will be delivered for this order",
}
SUBJECTS = {
    K.ORDER_RECEIVED: "BitLoot: we received your order",
    K.UNDERPAID: "Your BitLoot order is not fully paid",
    K.ORDER_FAILED: "Your BitLoot order could not be delivered",
    K.ORDER_FULFILLED: "Your BitLoot order is ready",
    K.DELIVERY_RESENT: "Your BitLoot order: a fresh link",
    K.KEY_REPLACED: "Your BitLoot key was replaced",
    K.LINK_REQUESTED: "Your BitLoot order: the fresh link you asked for",
    K.ORDER_LINK: "Your BitLoot order page",
    K.EXPIRED_PARTLY_PAID: "Your BitLoot order expired before it was fully paid",
}


def hrefs(html: str) -> list[str]:
    return [unescape(found) for found in re.findall(r'href="([^"]*)"', html)]


def plain(html: str) -> str:
    """What the HTML reads as: tags out, entities decoded, white space collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_every_kind_has_its_words() -> None:
    assert set(SAYS) == set(SUBJECTS) == set(DeliveryEmailKind)


@pytest.mark.parametrize("kind", list(DeliveryEmailKind))
def test_each_kind_as_text_and_html_with_the_order_its_page_and_the_shop(kind: DeliveryEmailKind) -> None:
    email = order_email(kind)
    rendered = RENDERER.render(email)

    assert rendered.subject == SUBJECTS[kind]
    assert SAYS[kind] in rendered.text
    assert SAYS[kind].lower() in plain(rendered.html).lower()
    assert rendered.html.startswith("<!doctype html>")
    assert f"<title>{SUBJECTS[kind]}</title>" in rendered.html
    for body in (rendered.text, plain(rendered.html)):
        assert ORDER_ID in body
        assert "Game One" in body
        assert "Game Two" in body
        assert "59.97 EUR" in body
        assert "BitLoot" in body
        assert "Reply to this email" in body  # no support address configured
        assert "your keys are never sent by email" in body
    # The order page, always: in the text, and as a link in the HTML.
    assert email.order_page.url in rendered.text
    assert email.order_page.url in hrefs(rendered.html)
    assert "2026-05-31 12:00 UTC" in rendered.text  # the order page link's 30 days


@pytest.mark.parametrize("kind", sorted(CARRIES_DELIVERY_LINK))
def test_a_link_kind_carries_the_delivery_link_and_its_expiry(kind: DeliveryEmailKind) -> None:
    email = order_email(kind)
    rendered = RENDERER.render(email)

    assert email.delivery_link is not None
    assert email.delivery_link.url in rendered.text
    assert email.delivery_link.url in hrefs(rendered.html)
    assert "2026-05-01 12:15 UTC" in rendered.text
    assert "2026-05-01 12:15 UTC" in rendered.html
    assert "/simulator/pay/" not in rendered.text + rendered.html


@pytest.mark.parametrize("kind", sorted(set(DeliveryEmailKind) - CARRIES_DELIVERY_LINK))
def test_the_other_kinds_carry_no_delivery_link(kind: DeliveryEmailKind) -> None:
    rendered = RENDERER.render(order_email(kind))
    assert "/d/" not in rendered.text + rendered.html


def test_the_order_link_email_is_the_order_page_link_only() -> None:
    email = order_email(K.ORDER_LINK)
    rendered = RENDERER.render(email)

    assert hrefs(rendered.html) == [email.order_page.url]
    assert email.order_page.url == f"https://shop.example/o/{email.order_page.token}"
    assert rendered.text.count(email.order_page.url) == 1
    assert "If you did not ask for it" in rendered.text


def test_order_received_offers_the_payment_page() -> None:
    email = order_email(K.ORDER_RECEIVED)
    rendered = RENDERER.render(email)

    assert email.payment_url is not None
    assert email.payment_url in rendered.text
    assert hrefs(rendered.html)[0] == email.payment_url
    assert "Pay for your order" in rendered.html


def test_underpaid_says_what_came_in_what_is_missing_and_where_to_pay_it() -> None:
    email = order_email(K.UNDERPAID)
    rendered = RENDERER.render(email)

    assert "Paid:    0.0004 BTC" in rendered.text
    assert "Missing: 0.0006 BTC" in rendered.text
    assert "pay the missing 0.0006 BTC in the same currency on the payment page" in rendered.text
    assert email.payment_url is not None
    assert email.payment_url in rendered.text
    html = plain(rendered.html)
    assert "Paid 0.0004 BTC" in html
    assert "Missing 0.0006 BTC" in html
    assert "the missing 0.0006 BTC in the same currency" in html
    assert email.payment_url in hrefs(rendered.html)


def test_tiny_amounts_are_written_in_full() -> None:
    underpayment = Underpayment(Money(Decimal("1E-7"), "BTC"), Money(Decimal("0.00000009"), "BTC"))
    rendered = RENDERER.render(order_email(K.UNDERPAID, underpayment=underpayment))
    assert "Paid:    0.0000001 BTC" in rendered.text
    assert "Missing: 0.00000009 BTC" in rendered.text


@pytest.mark.parametrize("kind", list(DeliveryEmailKind))
def test_every_kind_shows_the_total_with_the_currencys_two_decimals(kind: DeliveryEmailKind) -> None:
    rendered = RENDERER.render(order_email(kind, total=Money(Decimal("9.5"), "EUR")))
    assert "Total: 9.50 EUR" in rendered.text
    assert "Total 9.50 EUR" in plain(rendered.html)
    assert "9.5 EUR" not in rendered.text + plain(rendered.html)


def test_underpaid_without_the_amount_asked_still_says_how_to_pay() -> None:
    underpayment = Underpayment(Money(Decimal("0.0004"), "BTC"), None)
    rendered = RENDERER.render(order_email(K.UNDERPAID, underpayment=underpayment))
    assert "Paid:    0.0004 BTC" in rendered.text
    assert "Missing:" not in rendered.text
    assert "pay the missing amount in the same currency" in rendered.text


@pytest.mark.parametrize("kind", [K.ORDER_RECEIVED, K.UNDERPAID, K.ORDER_FAILED, K.EXPIRED_PARTLY_PAID])
def test_an_email_about_a_state_the_order_left_asks_for_nothing(kind: DeliveryEmailKind) -> None:
    rendered = RENDERER.render(order_email(kind, payment_url=None, moved_on=True))
    assert "Your order has moved on since" in rendered.text
    assert "moved on since" in rendered.html
    assert "payment page" not in rendered.text
    assert "Pay " not in rendered.html


def test_expired_partly_paid_says_what_came_in_that_no_key_comes_and_whom_to_ask() -> None:
    email = order_email(K.EXPIRED_PARTLY_PAID, shop=ShopIdentity("Loot & Co", "help@loot.example"))
    rendered = RENDERER.render(email)

    assert "Received: 0.0004 BTC" in rendered.text
    assert "Asked:    0.001 BTC" in rendered.text
    assert "no key will be delivered" in rendered.text
    assert "Write to help@loot.example" in rendered.text
    assert f"quote your order id {ORDER_ID}" in rendered.text
    assert "we refund what arrived, or tell you how to complete the order" in rendered.text
    html = plain(rendered.html)
    assert "Received 0.0004 BTC" in html
    assert "Asked 0.001 BTC" in html
    assert "no key will be delivered" in html
    assert f"quote your order id {ORDER_ID}" in html
    assert "mailto:help@loot.example" in hrefs(rendered.html)
    assert email.order_page.url in hrefs(rendered.html)
    assert "payment page" not in rendered.text
    assert "moved on" not in rendered.text


def test_expired_partly_paid_without_a_support_address_or_amounts_still_says_what_to_do() -> None:
    rendered = RENDERER.render(order_email(K.EXPIRED_PARTLY_PAID, underpayment=None))

    assert "Received:" not in rendered.text
    assert "Asked:" not in rendered.text
    assert "Reply to this email\nand quote your order id" in rendered.text
    assert "Reply to this email and quote your order id" in plain(rendered.html)


def test_the_failed_email_says_what_happens_next() -> None:
    rendered = RENDERER.render(order_email(K.ORDER_FAILED))
    assert "will either deliver your keys" in rendered.text
    assert "or refund your payment" in rendered.text
    assert "You need not do anything" in rendered.text
    assert "moved on" not in rendered.text


def test_the_shop_name_and_support_address_show_and_replies_are_not_asked_for() -> None:
    shop = ShopIdentity("Loot & Co", "help@loot.example")
    rendered = RENDERER.render(order_email(K.ORDER_FULFILLED, shop=shop))

    assert rendered.subject == "Your Loot & Co order is ready"
    assert "Loot & Co" in rendered.text
    assert "Write to help@loot.example" in rendered.text
    assert "Reply to this email" not in rendered.text
    assert "Loot &amp; Co" in rendered.html
    assert "mailto:help@loot.example" in hrefs(rendered.html)
    assert "Reply to this email" not in rendered.html


def test_html_escapes_every_value_and_the_text_keeps_it_as_written() -> None:
    hostile = '<script>alert("x")</script>'
    email = order_email(
        K.ORDER_RECEIVED,
        shop=ShopIdentity('<b>Shop</b> "quoted"'),
        lines=(EmailLine(hostile, 1), EmailLine("Tom & Jerry's <i>", 2)),
        payment_url='https://pay.example/x?a=1&b="><script>',
    )
    rendered = RENDERER.render(email)

    assert "<script" not in rendered.html
    assert "<b>" not in rendered.html
    assert "<i>" not in rendered.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in rendered.html
    assert "Tom &amp; Jerry&#39;s &lt;i&gt;" in rendered.html
    assert 'href="https://pay.example/x?a=1&amp;b=&#34;&gt;&lt;script&gt;"' in rendered.html
    # Plain text is no markup: it says what was written.
    assert hostile in rendered.text
    assert "Tom & Jerry's <i>" in rendered.text
    assert rendered.subject == '<b>Shop</b> "quoted": we received your order'


def test_a_subject_is_one_line_whatever_the_shop_name_holds() -> None:
    rendered = RENDERER.render(
        order_email(K.ORDER_FULFILLED, shop=ShopIdentity("Loot\r\nBcc: x@example.com"))
    )
    assert rendered.subject == "Your Loot Bcc: x@example.com order is ready"


def test_the_words_stay_out_of_the_repr() -> None:
    email = order_email(K.ORDER_FULFILLED)
    rendered = RENDERER.render(email)
    assert email.delivery_link is not None
    for text in (repr(email), repr(rendered)):
        assert email.delivery_link.token not in text
        assert email.order_page.token not in text
    assert repr(rendered) == f"RenderedEmail(subject={rendered.subject!r})"


def test_the_times_are_utc_whatever_zone_the_link_was_issued_in() -> None:
    email = order_email(K.ORDER_FULFILLED)
    assert email.delivery_link is not None
    local = email.delivery_link.expires_at.astimezone(timezone(timedelta(hours=2)))
    rendered = RENDERER.render(replace(email, delivery_link=replace(email.delivery_link, expires_at=local)))
    assert "2026-05-01 12:15 UTC" in rendered.text


def test_the_templates_are_compiled_once() -> None:
    renderer = JinjaEmailRenderer()
    first = renderer.render(order_email(K.ORDER_RECEIVED))
    again = renderer.render(order_email(K.ORDER_RECEIVED))
    assert isinstance(first, RenderedEmail)
    assert (first.subject, first.text, first.html) == (again.subject, again.text, again.html)
    assert SENT_AT.tzinfo is not None
