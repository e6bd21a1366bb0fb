"""A payment notification whose origin is established is recorded and applied (docs/payments.md): one that
came in a verified webhook delivery (`ReceivePaymentWebhook`, or an operator's replay), or the provider's own
API answering the reconciler (`ReconcilePayments`)."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bitloot.application.dispatch import dispatch_fulfillment
from bitloot.application.log_context import note_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.payments import VerifiedNotification
from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.replay_audit import stage_replay_audit
from bitloot.application.retry import in_transaction
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind, underpaid_cause
from bitloot.domain.ids import new_id
from bitloot.domain.operator_audit import Actor
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import (
    PaymentDecision,
    PaymentNotification,
    PaymentOutcome,
    PaymentRecord,
    PaymentStatus,
    decide,
)
from bitloot.domain.webhook import DUPLICATE, WebhookDelivery, WebhookProvider

log = logging.getLogger(__name__)

PROVIDER: WebhookProvider = "nowpayments"


@dataclass(frozen=True, slots=True)
class NotificationResult:
    outcome: PaymentOutcome | None
    duplicate: bool = False
    order_status: OrderStatus | None = None
    # The inbox entry written for a webhook delivery (None for an answer of the provider's API).
    delivery: WebhookDelivery | None = None


@dataclass(frozen=True, slots=True)
class ReceivedWebhook:
    """A webhook delivery as it reached us, to be kept in the inbox with what handling it did."""

    raw_body: bytes
    signature: str | None
    # The stored delivery an operator replays; None for a delivery from the provider.
    replayed_from: str | None = None
    # Who replays it: the replay is audited in its own transaction (docs/console.md).
    actor: Actor | None = None


class ApplyPaymentNotification:
    def __init__(self, uow: UnitOfWork, queue: FulfillmentQueue, clock: Clock) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock

    async def execute(
        self, verified: VerifiedNotification, received: ReceivedWebhook | None = None
    ) -> NotificationResult:
        """Record and apply one notification whose origin is established; `received` is the webhook
        delivery it came in, kept in the inbox (None for an answer of the provider's API).

        The delivery (inbox), the payment record, the order's new state and, for a paid order, the
        fulfilment request (outbox), for an underpaid one the email that says how much is missing, for
        one that expired with part of its money in the email that says what happens next, commit
        together before the caller answers; a repeat of a recorded payload only adds its delivery,
        outcome `duplicate`. The queue is told after commit, and a queue outage is left to the
        reconciler. The state machine makes late or reordered notifications harmless.
        """
        note_order(verified.notification.order_id)
        result = await in_transaction(self._uow, lambda: self._apply(verified, received))
        if result.outcome is PaymentOutcome.APPLIED and result.order_status is OrderStatus.PAID:
            await dispatch_fulfillment(self._queue, verified.notification.order_id)
        return result

    async def _apply(
        self, verified: VerifiedNotification, received: ReceivedWebhook | None
    ) -> NotificationResult:
        """Stage the payment record, the order's move and what it owes, and the inbox entry."""
        note = verified.notification
        now = self._clock.now()
        if await self._uow.payments.has(verified.dedupe_key):
            delivery = await self._keep(verified, received, DUPLICATE, now)
            return NotificationResult(outcome=None, duplicate=True, delivery=delivery)
        order = await self._uow.orders.get(note.order_id)
        decision = PaymentDecision(PaymentOutcome.UNMATCHED) if order is None else decide(order, note)
        was = None if order is None else order.status
        if order is not None and decision.target is not None:
            order.transition_to(decision.target, now)
            await self._uow.orders.save(order)
            if decision.target is OrderStatus.PAID:
                await self._uow.fulfillment_requests.add(order.id, now, self._queue.current_context())
        if order is not None and owes_underpaid_email(order, note, decision):
            await self._uow.emails.add(
                DeliveryEmail.owed(
                    DeliveryEmailKind.UNDERPAID,
                    order.id,
                    order.email,
                    now,
                    email_id=new_id(),
                    cause=underpaid_cause(order.id, note.payment_id, note.actually_paid),
                )
            )
        if (
            order is not None
            and was is not None
            and owes_expired_partly_paid_email(was, order, note, decision)
        ):
            # Once per order (its dedupe key): a repeat of the expiry, or a late part, owes nothing more.
            await self._uow.emails.add(
                DeliveryEmail.owed(
                    DeliveryEmailKind.EXPIRED_PARTLY_PAID, order.id, order.email, now, email_id=new_id()
                )
            )
        await self._uow.payments.add(
            PaymentRecord(
                id=new_id(),
                provider=PROVIDER,
                dedupe_key=verified.dedupe_key,
                order_id=note.order_id,
                payment_id=note.payment_id,
                status=note.status,
                outcome=decision.outcome,
                actually_paid=note.actually_paid,
                pay_currency=note.pay_currency,
                received_at=now,
                pay_amount=note.pay_amount,
            )
        )
        delivery = await self._keep(verified, received, decision.outcome.value, now)
        if decision.outcome is not PaymentOutcome.APPLIED:
            log.info("payment notification for order %s: %s", note.order_id, decision.outcome)
        return NotificationResult(
            outcome=decision.outcome, order_status=order.status if order else None, delivery=delivery
        )

    async def _keep(
        self, verified: VerifiedNotification, received: ReceivedWebhook | None, outcome: str, now: datetime
    ) -> WebhookDelivery | None:
        """Stage the inbox entry of a webhook delivery, in the transaction of what it did."""
        if received is None:
            return None
        note = verified.notification
        delivery = WebhookDelivery(
            id=new_id(),
            provider=PROVIDER,
            event=note.status.value,
            raw_body=received.raw_body,
            signature=received.signature,
            # Only authenticated deliveries reach this point (docs/payments.md: a bad one writes nothing).
            signature_valid=True,
            dedupe_key=verified.dedupe_key,
            outcome=outcome,
            order_id=note.order_id or None,
            received_at=now,
            replayed_from=received.replayed_from,
        )
        await self._uow.webhooks.add(delivery)
        await stage_replay_audit(self._uow, received.actor, delivery)
        return delivery


def owes_underpaid_email(order: Order, note: PaymentNotification, decision: PaymentDecision) -> bool:
    """A partial payment of an order that is underpaid now: the one that made it so, or a further one
    while it still is (its email says the new missing amount). A partial payment that came too late
    (the order expired, failed or was paid meanwhile) is `stale` and owes nothing; the email's dedupe
    key makes a repeat of the same payment and amount owe nothing either."""
    return (
        note.status is PaymentStatus.PARTIALLY_PAID
        and decision.outcome in (PaymentOutcome.APPLIED, PaymentOutcome.NO_CHANGE)
        and order.status is OrderStatus.UNDERPAID
    )


# What a notification says came in for an order (not a repeated deposit, nor one about another order).
_MONEY_IN: Final = frozenset({PaymentStatus.PARTIALLY_PAID, PaymentStatus.EXPIRED})
_NOT_THIS_ORDERS: Final = frozenset(
    {PaymentOutcome.MISMATCH, PaymentOutcome.REPEATED_DEPOSIT, PaymentOutcome.UNMATCHED}
)


def owes_expired_partly_paid_email(
    was: OrderStatus, order: Order, note: PaymentNotification, decision: PaymentDecision
) -> bool:
    """An order that is `expired` now with some of its money in: it was underpaid when it expired, or
    this expiry (or a part paid after it, `stale`) says some arrived. The customer is told no key comes
    and whom to ask for a refund or to complete it; an order that expired with nothing paid owes no
    email. The email's dedupe key names the order, so it is owed once however often this holds."""
    if order.status is not OrderStatus.EXPIRED or decision.outcome in _NOT_THIS_ORDERS:
        return False
    arrived = note.status in _MONEY_IN and note.actually_paid > 0
    return was is OrderStatus.UNDERPAID or arrived
