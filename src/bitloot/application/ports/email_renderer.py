"""Putting a customer email into words: what it says (`OrderEmail`, gathered when it is sent) becomes a
subject, a plain-text body and an HTML body."""

from dataclasses import dataclass, field
from typing import Protocol

from bitloot.application.ports.links import DeliveryLink
from bitloot.domain.delivery_email import DeliveryEmailKind
from bitloot.domain.money import Money
from bitloot.domain.shop import ShopIdentity


@dataclass(frozen=True, slots=True)
class EmailLine:
    product: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Underpayment:
    """A partial payment, in the currency the customer pays in (NOWPayments' `pay_currency`)."""

    paid: Money
    # None when the provider did not say how much it asked for.
    missing: Money | None
    # What the payment asked for (None when the provider did not say).
    asked: Money | None = None


@dataclass(frozen=True, slots=True)
class OrderEmail:
    """What one email of the outbox says; never a key. The links are issued when it is sent, and
    kept out of the repr (a delivery link opens the keys)."""

    email_id: str
    kind: DeliveryEmailKind
    order_id: str
    recipient: str
    shop: ShopIdentity
    lines: tuple[EmailLine, ...]
    total: Money
    # Always: where the order stands, and a fresh delivery link on request (30 days).
    order_page: DeliveryLink = field(repr=False)
    # The kinds of `CARRIES_DELIVERY_LINK`: the link that opens the keys (15 minutes).
    delivery_link: DeliveryLink | None = field(default=None, repr=False)
    # An order received or underpaid that can still be paid: where to pay.
    payment_url: str | None = field(default=None, repr=False)
    # An underpaid or expired-part-paid email: what came in, what is missing.
    underpayment: Underpayment | None = None
    # The order is no longer where this email found it: paid, expired or retried before the email went
    # out (the mail server was down, say). The email then says so instead of asking for a payment.
    moved_on: bool = False


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    # One line, plain text.
    subject: str
    text: str = field(repr=False)
    html: str = field(repr=False)


class EmailRenderer(Protocol):
    def render(self, email: OrderEmail) -> RenderedEmail:
        """The words for `email.kind`, with the shop's name and support address. The HTML escapes
        every value it shows (a product named `<script>` is text)."""
        ...
