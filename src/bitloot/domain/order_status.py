"""The order statuses and the moves between them (docs/lifecycle.md): a forward-only state machine.

A transition not listed here raises `IllegalTransition`; a notification that arrives late or out of
order therefore never moves an order backwards. The one way back into work is the operator's retry of
a failed fulfilment (`failed -> fulfilling`), or of one held for the operator
(`needs_attention -> fulfilling`).
"""

from enum import StrEnum


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    UNDERPAID = "underpaid"
    PAID = "paid"
    FULFILLING = "fulfilling"
    FULFILLED = "fulfilled"
    FAILED = "failed"
    # A supplier sent a key the shop already holds or delivered (docs/stock-integrity.md): the item is held,
    # the key given to no one, until the operator acts (retry or refund).
    NEEDS_ATTENTION = "needs_attention"
    EXPIRED = "expired"
    PAYMENT_FAILED = "payment_failed"
    REFUNDED = "refunded"


class FulfillmentStatus(StrEnum):
    """What the customer sees."""

    PENDING = "pending"
    PROCESSING = "processing"
    FULFILLED = "fulfilled"
    FAILED = "failed"


_S = OrderStatus

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.AWAITING_PAYMENT: frozenset({_S.UNDERPAID, _S.PAID, _S.EXPIRED, _S.PAYMENT_FAILED}),
    # A customer may top up a partial payment; NOWPayments then reports `finished`.
    _S.UNDERPAID: frozenset({_S.PAID, _S.EXPIRED, _S.PAYMENT_FAILED, _S.REFUNDED}),
    _S.PAID: frozenset({_S.FULFILLING, _S.FAILED, _S.REFUNDED}),
    _S.FULFILLING: frozenset({_S.FULFILLED, _S.FAILED, _S.NEEDS_ATTENTION, _S.REFUNDED}),
    _S.FAILED: frozenset({_S.FULFILLING, _S.REFUNDED}),
    _S.NEEDS_ATTENTION: frozenset({_S.FULFILLING, _S.REFUNDED}),
    _S.FULFILLED: frozenset({_S.REFUNDED}),
    # Money that arrives after expiry or a failed attempt is still money received.
    _S.EXPIRED: frozenset({_S.PAID}),
    _S.PAYMENT_FAILED: frozenset({_S.PAID}),
    _S.REFUNDED: frozenset(),
}

_CUSTOMER_VIEW: dict[OrderStatus, FulfillmentStatus] = {
    _S.AWAITING_PAYMENT: FulfillmentStatus.PENDING,
    _S.UNDERPAID: FulfillmentStatus.PENDING,
    _S.PAID: FulfillmentStatus.PROCESSING,
    _S.FULFILLING: FulfillmentStatus.PROCESSING,
    _S.FULFILLED: FulfillmentStatus.FULFILLED,
    _S.FAILED: FulfillmentStatus.FAILED,
    # The customer's keys are still owed: the operator is on it.
    _S.NEEDS_ATTENTION: FulfillmentStatus.PROCESSING,
    _S.EXPIRED: FulfillmentStatus.FAILED,
    _S.PAYMENT_FAILED: FulfillmentStatus.FAILED,
    _S.REFUNDED: FulfillmentStatus.FAILED,
}


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in TRANSITIONS[current]


def customer_status(status: OrderStatus) -> FulfillmentStatus:
    return _CUSTOMER_VIEW[status]
