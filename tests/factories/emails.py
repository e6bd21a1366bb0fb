"""Customer emails as the outbox hands them to a sender: what each says (`OrderEmail`) and its words,
from the service's own renderer."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bitloot.adapters.email.jinja_renderer import JinjaEmailRenderer
from bitloot.adapters.links.hmac_links import HmacDeliveryLinks, HmacOrderPageLinks
from bitloot.application.ports.email_renderer import EmailLine, OrderEmail, Underpayment
from bitloot.application.ports.email_sender import OutgoingEmail
from bitloot.application.ports.links import DeliveryLink
from bitloot.domain.delivery_email import CARRIES_DELIVERY_LINK, DeliveryEmailKind
from bitloot.domain.money import Money
from bitloot.domain.shop import ShopIdentity

RENDERER = JinjaEmailRenderer()
BASE_URL = "https://shop.example"
SENT_AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ORDER_ID = "0192f0c4-0000-7000-8000-000000000001"
_SECRET = b"k" * 32


def delivery_link(order_id: str = ORDER_ID, now: datetime = SENT_AT) -> DeliveryLink:
    return HmacDeliveryLinks(_SECRET, BASE_URL).issue(order_id, now)


def order_page(order_id: str = ORDER_ID, now: datetime = SENT_AT) -> DeliveryLink:
    return HmacOrderPageLinks(_SECRET, BASE_URL).issue(order_id, now)


def order_email(
    kind: DeliveryEmailKind = DeliveryEmailKind.ORDER_FULFILLED,
    order_id: str = ORDER_ID,
    recipient: str = "buyer@example.com",
    **changes: Any,
) -> OrderEmail:
    """An email of `kind` with what that kind says filled in: a delivery link for the kinds that
    carry one, the payment page and an underpayment (what came in, what is missing, what was asked)
    where they belong."""
    email = OrderEmail(
        email_id="email-1",
        kind=kind,
        order_id=order_id,
        recipient=recipient,
        shop=ShopIdentity("BitLoot"),
        lines=(EmailLine("Game One", 2), EmailLine("Game Two", 1)),
        total=Money(Decimal("59.97"), "EUR"),
        order_page=order_page(order_id),
        delivery_link=delivery_link(order_id) if kind in CARRIES_DELIVERY_LINK else None,
        payment_url=(
            f"{BASE_URL}/simulator/pay/{order_id}"
            if kind in (DeliveryEmailKind.ORDER_RECEIVED, DeliveryEmailKind.UNDERPAID)
            else None
        ),
        underpayment=(
            Underpayment(
                Money(Decimal("0.0004"), "BTC"),
                Money(Decimal("0.0006"), "BTC"),
                Money(Decimal("0.001"), "BTC"),
            )
            if kind in (DeliveryEmailKind.UNDERPAID, DeliveryEmailKind.EXPIRED_PARTLY_PAID)
            else None
        ),
    )
    return replace(email, **changes)


def outgoing(
    kind: DeliveryEmailKind = DeliveryEmailKind.ORDER_FULFILLED,
    order_id: str = ORDER_ID,
    recipient: str = "buyer@example.com",
    **changes: Any,
) -> OutgoingEmail:
    email = order_email(kind, order_id, recipient, **changes)
    return OutgoingEmail(email, RENDERER.render(email))
