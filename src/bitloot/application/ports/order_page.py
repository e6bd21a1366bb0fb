"""The customer's order page, read in one go outside any unit of work: the order, its items with
their products' names, and for an underpaid order what arrived of its payment. Never a key, a link
or the order's email address."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from bitloot.domain.money import Money
from bitloot.domain.order_status import OrderStatus


@dataclass(frozen=True, slots=True)
class OrderPageLine:
    product_id: str
    # None only for a product the catalog no longer holds.
    product_name: str | None
    quantity: int
    unit_price: Money


@dataclass(frozen=True, slots=True)
class PartialPayment:
    """What the provider last reported of a payment that came in short, in the coin the customer
    chose (not the order's currency)."""

    actually_paid: Decimal
    # What the provider asked for; None in records older than migration 0014.
    pay_amount: Decimal | None
    pay_currency: str


@dataclass(frozen=True, slots=True)
class OrderPageView:
    order_id: str
    status: OrderStatus
    currency: str
    lines: tuple[OrderPageLine, ...]
    payment_url: str | None
    reveal_count: int
    created_at: datetime
    fulfilled_at: datetime | None
    # Read only for an `underpaid` order: its latest `partially_paid` notification that was applied
    # (or changed nothing, the order being underpaid already); None otherwise.
    partial_payment: PartialPayment | None = None


class OrderPageReader(Protocol):
    async def order_page(self, order_id: str) -> OrderPageView | None:
        """The committed order as of one moment: one statement for the order, its items (in order)
        and their products' names, and a second only for an underpaid order, for its latest partial
        payment. Leaves no transaction open. None for an unknown order and for an id no order can
        have."""
        ...
