"""Payment notifications and what they mean for an order (docs/payments.md)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus, can_transition


class PaymentStatus(StrEnum):
    WAITING = "waiting"
    CONFIRMING = "confirming"
    CONFIRMED = "confirmed"
    SENDING = "sending"
    PARTIALLY_PAID = "partially_paid"
    FINISHED = "finished"
    FAILED = "failed"
    REFUNDED = "refunded"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class PaymentNotification:
    payment_id: str
    order_id: str
    status: PaymentStatus
    price_amount: Decimal
    price_currency: str
    pay_amount: Decimal
    actually_paid: Decimal
    pay_currency: str
    parent_payment_id: str | None = None


class PaymentOutcome(StrEnum):
    """What a notification did; kept with the payment record for the operator."""

    APPLIED = "applied"
    NO_CHANGE = "no_change"
    STALE = "stale"
    MISMATCH = "mismatch"
    INSUFFICIENT = "insufficient"
    REPEATED_DEPOSIT = "repeated_deposit"
    UNMATCHED = "unmatched"


@dataclass(frozen=True, slots=True)
class PaymentDecision:
    outcome: PaymentOutcome
    target: OrderStatus | None = None


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    id: str
    provider: str
    dedupe_key: str
    # As the provider sent it: may name no order of ours (outcome `unmatched`).
    order_id: str
    payment_id: str
    status: PaymentStatus
    outcome: PaymentOutcome
    actually_paid: Decimal
    pay_currency: str
    received_at: datetime
    # What the provider asked for, in `pay_currency` (migration 0014; None in older records).
    pay_amount: Decimal | None = None


_TARGETS = {
    PaymentStatus.PARTIALLY_PAID: OrderStatus.UNDERPAID,
    PaymentStatus.FAILED: OrderStatus.PAYMENT_FAILED,
    PaymentStatus.EXPIRED: OrderStatus.EXPIRED,
    PaymentStatus.REFUNDED: OrderStatus.REFUNDED,
}


def decide(order: Order, note: PaymentNotification) -> PaymentDecision:
    """The business rule: only a matching, fully paid `finished` fulfils; nothing moves backwards."""
    if note.order_id != order.id:
        # A notification about another order never changes this one, whatever its status.
        return PaymentDecision(PaymentOutcome.MISMATCH)
    if note.parent_payment_id:
        return PaymentDecision(PaymentOutcome.REPEATED_DEPOSIT)
    if note.status is PaymentStatus.FINISHED:
        total = order.total
        if note.price_currency.upper() != total.currency or note.price_amount != total.amount:
            return PaymentDecision(PaymentOutcome.MISMATCH)
        if note.actually_paid < note.pay_amount:
            return PaymentDecision(PaymentOutcome.INSUFFICIENT)
        target = OrderStatus.PAID
    else:
        maybe_target = _TARGETS.get(note.status)
        if maybe_target is None:
            return PaymentDecision(PaymentOutcome.NO_CHANGE)
        target = maybe_target
    if order.status is target:
        return PaymentDecision(PaymentOutcome.NO_CHANGE)
    if not can_transition(order.status, target):
        return PaymentDecision(PaymentOutcome.STALE)
    return PaymentDecision(PaymentOutcome.APPLIED, target)


def still_missing(asked: Decimal | None, paid: Decimal) -> Decimal | None:
    """How much of what a payment asked for (`pay_amount`) is still to pay after `actually_paid`, in
    its `pay_currency`; None when nothing is, or the record does not say what was asked (before
    migration 0014)."""
    if asked is None or paid >= asked:
        return None
    return asked - paid


def paid_at(records: Iterable[PaymentRecord]) -> datetime | None:
    """When the order was paid: the first applied `finished` payment received; None when none was
    (an order paid before payment records were kept, say). The operator's overview counts late
    orders by the same rule."""
    paid = [
        r.received_at
        for r in records
        if r.outcome is PaymentOutcome.APPLIED and r.status is PaymentStatus.FINISHED
    ]
    return min(paid, default=None)
