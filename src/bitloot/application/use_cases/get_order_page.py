"""What the customer's order page shows (`/o/{token}`, docs/http-api.md): the order's items and
state, and what to do next in that state. Never a key, a delivery link or the order's email
address: the page's link lives 30 days and may be forwarded, so it only ever shows what the order
is and sends what it owes to the order's own address."""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from bitloot.application.errors import InvalidOrderPageLink
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.links import OrderPageLinkSigner
from bitloot.application.ports.order_page import OrderPageLine, OrderPageReader, OrderPageView
from bitloot.domain.money import Money
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import still_missing

_S = OrderStatus

# The states that change by themselves soon (a payment, a fulfilment): the page follows them live.
# The others wait on nothing, or on the operator (who emails the customer when they act).
STILL_MOVING: Final = frozenset({_S.AWAITING_PAYMENT, _S.UNDERPAID, _S.PAID, _S.FULFILLING})


class NextStep(StrEnum):
    PAY = "pay"
    # An underpaid order: send the missing amount through the same payment.
    PAY_THE_REST = "pay_the_rest"
    WAIT = "wait"
    # A fulfilled order: the keys open from a delivery link, which the page emails on request.
    GET_LINK = "get_link"
    # Nothing left for the customer to do here; support answers what happens next.
    CONTACT_SUPPORT = "contact_support"


_NEXT: Final = {
    _S.AWAITING_PAYMENT: NextStep.PAY,
    _S.UNDERPAID: NextStep.PAY_THE_REST,
    _S.PAID: NextStep.WAIT,
    _S.FULFILLING: NextStep.WAIT,
    # The operator is on it: for the customer it is still being prepared.
    _S.NEEDS_ATTENTION: NextStep.WAIT,
    _S.FULFILLED: NextStep.GET_LINK,
    _S.FAILED: NextStep.CONTACT_SUPPORT,
    _S.EXPIRED: NextStep.CONTACT_SUPPORT,
    _S.PAYMENT_FAILED: NextStep.CONTACT_SUPPORT,
    _S.REFUNDED: NextStep.CONTACT_SUPPORT,
}


@dataclass(frozen=True, slots=True)
class Shortfall:
    """An underpaid order's payment: what arrived, and what is still missing when the provider said
    what it asked for; in `currency`, the coin the customer pays in."""

    received: Decimal
    missing: Decimal | None
    currency: str


@dataclass(frozen=True, slots=True)
class OrderPage:
    order_id: str
    status: OrderStatus
    lines: tuple[OrderPageLine, ...]
    total: Money
    next_step: NextStep
    # Where to pay: only while the order waits for (the rest of) its money.
    payment_url: str | None
    # Only for an underpaid order whose partial payment is recorded.
    shortfall: Shortfall | None
    reveal_count: int

    @property
    def live(self) -> bool:
        """The state may change any moment by itself: the page follows it."""
        return self.status in STILL_MOVING

    @property
    def can_get_link(self) -> bool:
        return self.next_step is NextStep.GET_LINK


class GetOrderPage:
    def __init__(self, links: OrderPageLinkSigner, reader: OrderPageReader, clock: Clock) -> None:
        self._links = links
        self._reader = reader
        self._clock = clock

    async def execute(self, token: str) -> OrderPage:
        """The page of a genuine, unexpired order page link; `InvalidOrderPageLink` (410) for any
        other token. One or two reads (`OrderPageReader`), no transaction."""
        order_id = self._links.resolve(token, self._clock.now())
        view = await self._reader.order_page(order_id)
        if view is None:
            raise InvalidOrderPageLink
        return order_page(view)

    def order_id(self, token: str) -> str:
        """The order a genuine, unexpired order page link opens (for what the page's forms ask);
        `InvalidOrderPageLink` for any other token."""
        return self._links.resolve(token, self._clock.now())


def order_page(view: OrderPageView) -> OrderPage:
    """The customer's view of the order: its total, the next step of its state, the payment link
    while it can be paid, and the shortfall of an underpaid order."""
    total = Money.of(0, view.currency)
    for line in view.lines:
        total = total.plus(line.unit_price.times(line.quantity))
    step = _NEXT[view.status]
    shortfall = None
    if view.status is _S.UNDERPAID and view.partial_payment is not None:
        paid = view.partial_payment
        shortfall = Shortfall(
            paid.actually_paid, still_missing(paid.pay_amount, paid.actually_paid), paid.pay_currency
        )
    return OrderPage(
        order_id=view.order_id,
        status=view.status,
        lines=view.lines,
        total=total,
        next_step=step,
        payment_url=view.payment_url if step in (NextStep.PAY, NextStep.PAY_THE_REST) else None,
        shortfall=shortfall,
        reveal_count=view.reveal_count,
    )
