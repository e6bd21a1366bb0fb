"""Which of the operator's actions on an order its current state allows (docs/console.md): the state
rules of `RetryFulfillment`, `ResendDeliveryEmail`, `ReplaceKey` and `MarkRefunded` in one place.
The use cases refuse what this refuses (a 409 naming the state, for a page gone stale), and the
console's order page offers only what it allows. Refusals that depend on more than the state (no
stock left, an email still waiting, a Kinguin key) stay the use cases' own."""

from enum import StrEnum
from typing import Final

from bitloot.domain.order_status import OrderStatus, can_transition


class OrderAction(StrEnum):
    RETRY_FULFILLMENT = "retry_fulfillment"
    RESEND_EMAIL = "resend_email"
    REPLACE_KEY = "replace_key"
    MARK_REFUNDED = "mark_refunded"


# A fulfilment that failed, or one held for the operator (a repeated key), is tried again; one in
# progress or done is not.
RETRIABLE: Final = frozenset({OrderStatus.FAILED, OrderStatus.NEEDS_ATTENTION})


def applies(action: OrderAction, status: OrderStatus) -> bool:
    """Whether `action` can apply to an order that is `status`."""
    if action is OrderAction.RETRY_FULFILLMENT:
        return status in RETRIABLE
    if action is OrderAction.MARK_REFUNDED:
        return can_transition(status, OrderStatus.REFUNDED)
    # The delivery email and the keys are a fulfilled order's; a refund blocks them for good.
    return status is OrderStatus.FULFILLED


def applicable(status: OrderStatus) -> frozenset[OrderAction]:
    """Every action that can apply to an order that is `status`."""
    return frozenset(action for action in OrderAction if applies(action, status))
