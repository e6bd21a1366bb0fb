"""NOWPayments tells us about a payment (SPEC §6)."""

import logging
from dataclasses import dataclass

from bitloot.application.dispatch import dispatch_fulfillment
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.payments import PaymentWebhook, VerifiedNotification
from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.ids import new_id
from bitloot.domain.lifecycle import OrderStatus
from bitloot.domain.payment import PaymentDecision, PaymentOutcome, PaymentRecord, decide

log = logging.getLogger(__name__)

PROVIDER = "nowpayments"


@dataclass(frozen=True, slots=True)
class NotificationResult:
    outcome: PaymentOutcome | None
    duplicate: bool = False
    order_status: OrderStatus | None = None


class HandlePaymentNotification:
    def __init__(
        self, uow: UnitOfWork, webhook: PaymentWebhook, queue: FulfillmentQueue, clock: Clock
    ) -> None:
        self._uow = uow
        self._webhook = webhook
        self._queue = queue
        self._clock = clock

    async def execute(self, raw_body: bytes, signature: str | None) -> NotificationResult:
        """Authenticate, record and apply one notification.

        A bad signature writes nothing. The payment record, the order's new state and, for a paid
        order, the fulfilment request (outbox) commit together before the caller answers; the queue
        is told after commit, and a queue outage is left to the reconciler. A repeat of a recorded
        payload changes nothing, and the state machine makes late or reordered ones harmless.
        """
        return await self.apply_verified(self._webhook.read(raw_body, signature))

    async def apply_verified(self, verified: VerifiedNotification) -> NotificationResult:
        """Record and apply a notification whose origin is already established (a verified webhook,
        or the provider's own API answering our question)."""
        result = await in_transaction(self._uow, lambda: self._apply(verified))
        if result.outcome is PaymentOutcome.APPLIED and result.order_status is OrderStatus.PAID:
            await dispatch_fulfillment(
                self._uow, self._queue, verified.notification.order_id, self._clock.now()
            )
        return result

    async def _apply(self, verified: VerifiedNotification) -> NotificationResult:
        note = verified.notification
        if await self._uow.payments.has(verified.dedupe_key):
            return NotificationResult(outcome=None, duplicate=True)
        order = await self._uow.orders.get(note.order_id)
        decision = PaymentDecision(PaymentOutcome.UNMATCHED) if order is None else decide(order, note)
        now = self._clock.now()
        if order is not None and decision.target is not None:
            order.transition_to(decision.target, now)
            await self._uow.orders.save(order)
            if decision.target is OrderStatus.PAID:
                await self._uow.fulfillment_requests.add(order.id, now)
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
            )
        )
        await self._uow.commit()
        if decision.outcome is not PaymentOutcome.APPLIED:
            log.info("payment notification for order %s: %s", note.order_id, decision.outcome)
        return NotificationResult(outcome=decision.outcome, order_status=order.status if order else None)
