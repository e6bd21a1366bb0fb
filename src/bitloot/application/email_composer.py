"""What an email of the outbox says, gathered when it is sent (`SendDeliveryEmails`): the order's
items by product name and its total, the links issued now (the order page always, the delivery link
for the kinds that carry one), for an order received or underpaid where to pay and how much is
missing, and for an order that expired part paid what came in and what was asked. Never a key:
nothing here reads one.

What the emails of a run are about is read at once (`read`: the same few statements for one email or
for a batch of several orders'), and each is put together from that just before it is sent
(`compose`), with its links issued then."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bitloot.application.ports.email_renderer import EmailLine, OrderEmail, Underpayment
from bitloot.application.ports.links import DeliveryLinkSigner, OrderPageLinkSigner
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.delivery_email import (
    CARRIES_DELIVERY_LINK,
    DeliveryEmail,
    DeliveryEmailKind,
    dedupe_key,
    underpaid_cause,
)
from bitloot.domain.errors import InvalidValue
from bitloot.domain.money import Money
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentOutcome, PaymentRecord, PaymentStatus, still_missing
from bitloot.domain.product import Product
from bitloot.domain.shop import ShopIdentity

# An order that can still be paid (or topped up).
PAYABLE: Final = frozenset({OrderStatus.AWAITING_PAYMENT, OrderStatus.UNDERPAID})
# The kinds about a state of the order, and the states in which what they say still holds.
_HOLDS_IN: Final = {
    DeliveryEmailKind.ORDER_RECEIVED: PAYABLE,
    DeliveryEmailKind.UNDERPAID: frozenset({OrderStatus.UNDERPAID}),
    DeliveryEmailKind.ORDER_FAILED: frozenset({OrderStatus.FAILED}),
    DeliveryEmailKind.EXPIRED_PARTLY_PAID: frozenset({OrderStatus.EXPIRED}),
}
_ASKS_FOR_PAYMENT: Final = frozenset({DeliveryEmailKind.ORDER_RECEIVED, DeliveryEmailKind.UNDERPAID})
# The kinds that tell what was paid, read from the order's payment records.
_TELLS_PAYMENTS: Final = frozenset({DeliveryEmailKind.UNDERPAID, DeliveryEmailKind.EXPIRED_PARTLY_PAID})
_UNKNOWN_PRODUCT: Final = "A product no longer in the catalog"
# The payment records that say money came in for the order itself.
_MONEY_IN: Final = frozenset({PaymentStatus.PARTIALLY_PAID, PaymentStatus.EXPIRED})
_NOT_ITS_OWN: Final = frozenset(
    {PaymentOutcome.MISMATCH, PaymentOutcome.REPEATED_DEPOSIT, PaymentOutcome.UNMATCHED}
)


@dataclass(frozen=True, slots=True)
class EmailFacts:
    """What some emails are about, as read at one moment (`EmailComposer.read`)."""

    orders: Mapping[str, Order]
    # Of the orders whose emails tell what was paid; an order without records is left out.
    payments: Mapping[str, list[PaymentRecord]]
    products: Mapping[str, Product]


class EmailComposer:
    def __init__(
        self, links: DeliveryLinkSigner, order_pages: OrderPageLinkSigner, shop: ShopIdentity
    ) -> None:
        self._links = links
        self._order_pages = order_pages
        self._shop = shop

    async def read(self, uow: UnitOfWork, emails: Sequence[DeliveryEmail]) -> EmailFacts:
        """Reads inside `uow` (the caller ends the transaction), in at most four statements whatever
        the number of emails: their orders with their items, the payment records of the orders whose
        emails tell what was paid, and the products the orders hold."""
        order_ids = sorted({email.order_id for email in emails})
        orders = await uow.orders.get_many(order_ids) if order_ids else {}
        paid = sorted({e.order_id for e in emails if e.kind in _TELLS_PAYMENTS and e.order_id in orders})
        payments = await uow.payments.list_for_orders(paid) if paid else {}
        product_ids = sorted({item.product_id for order in orders.values() for item in order.items})
        products = await uow.products.get_many(product_ids) if product_ids else {}
        return EmailFacts(orders=orders, payments=payments, products=products)

    def compose(self, facts: EmailFacts, email: DeliveryEmail, now: datetime) -> OrderEmail | None:
        """The email as `facts` have it (read with it, by `read`); None when its order is gone.

        An email about a state the order has left since it was owed (an "order received" for an order
        paid or expired by now, an "underpaid" one topped up) is `moved_on`: it asks for no payment and
        offers no payment link; an expired order is never asked to pay."""
        order = facts.orders.get(email.order_id)
        if order is None:
            return None
        holds_in = _HOLDS_IN.get(email.kind)
        moved_on = holds_in is not None and order.status not in holds_in
        records = facts.payments.get(order.id, [])
        underpayment = None
        if email.kind is DeliveryEmailKind.UNDERPAID:
            underpayment = _underpayment(records, email)
        elif email.kind is DeliveryEmailKind.EXPIRED_PARTLY_PAID:
            underpayment = _arrived(records)
        asks = email.kind in _ASKS_FOR_PAYMENT and not moved_on
        return OrderEmail(
            email_id=email.id,
            kind=email.kind,
            order_id=order.id,
            recipient=email.email,
            shop=self._shop,
            lines=_lines(order, facts.products),
            total=order.total,
            order_page=self._order_pages.issue(order.id, now),
            # Fresh at send time: it lives 15 minutes from now, not from when the email was owed.
            delivery_link=self._links.issue(order.id, now) if email.kind in CARRIES_DELIVERY_LINK else None,
            payment_url=order.payment_url if asks and _is_web_address(order.payment_url) else None,
            underpayment=underpayment,
            moved_on=moved_on,
        )


def _lines(order: Order, products: Mapping[str, Product]) -> tuple[EmailLine, ...]:
    return tuple(
        EmailLine(
            product.name if (product := products.get(item.product_id)) else _UNKNOWN_PRODUCT, item.quantity
        )
        for item in order.items
    )


def _underpayment(records: list[PaymentRecord], email: DeliveryEmail) -> Underpayment | None:
    """The partial payment that owed `email` (found by the dedupe key it gave the email)."""
    for record in records:
        if record.status is not PaymentStatus.PARTIALLY_PAID:
            continue
        cause = underpaid_cause(email.order_id, record.payment_id, record.actually_paid)
        if dedupe_key(DeliveryEmailKind.UNDERPAID, cause) != email.dedupe_key:
            continue
        return _as_underpayment(record)
    return None


def _arrived(records: list[PaymentRecord]) -> Underpayment | None:
    """What came in for an order that expired part paid: the latest record of its own payment (not a
    repeated deposit) that says some money arrived."""
    arrived = [
        record
        for record in records
        if record.status in _MONEY_IN and record.actually_paid > 0 and record.outcome not in _NOT_ITS_OWN
    ]
    if not arrived:
        return None
    return _as_underpayment(max(arrived, key=lambda record: record.received_at))


def _as_underpayment(record: PaymentRecord) -> Underpayment | None:
    try:
        missing = still_missing(record.pay_amount, record.actually_paid)
        return Underpayment(
            paid=Money(record.actually_paid, record.pay_currency),
            missing=None if missing is None else Money(missing, record.pay_currency),
            asked=None if record.pay_amount is None else Money(record.pay_amount, record.pay_currency),
        )
    except InvalidValue:  # a currency code or an amount Money does not take: the email says no amounts
        return None


def _is_web_address(url: str | None) -> bool:
    return url is not None and url.startswith(("https://", "http://"))
