"""Ask the payment provider about orders still waiting for their money: an IPN that never reached us
(lost, blocked, or sent while we were down) must not leave a paid order unfulfilled (docs/payments.md,
docs/reliability.md)."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bitloot.application.errors import PaymentProviderUnavailable
from bitloot.application.log_context import about_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.payments import PaymentLookup
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.use_cases.apply_payment_notification import ApplyPaymentNotification
from bitloot.domain.payment import PaymentOutcome, PaymentRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PaymentReconcileSettings:
    # Younger orders are left to the IPN, which normally arrives within seconds.
    grace: timedelta = timedelta(minutes=2)
    # Older ones are no longer asked about: NOWPayments expires an unpaid payment well before this.
    horizon: timedelta = timedelta(hours=48)
    # Orders asked about per round (one or a few API calls each).
    batch: int = 50


@dataclass(frozen=True, slots=True)
class PaymentSweep:
    """What one round did, and where the next round goes on."""

    asked: int
    # New payment records (answers already recorded are not counted).
    recorded: int
    # Of those, the ones that moved their order (e.g. to `paid`).
    applied: int
    # Pass to the next round; None when this round reached the newest due order (the next round starts
    # again from the oldest).
    resume_after: datetime | None
    # True when the provider could not be asked and the round stopped early.
    interrupted: bool = False


class ReconcilePayments:
    def __init__(
        self,
        uow: UnitOfWork,
        lookup: PaymentLookup,
        notifications: ApplyPaymentNotification,
        clock: Clock,
        settings: PaymentReconcileSettings,
    ) -> None:
        self._uow = uow
        self._lookup = lookup
        self._notifications = notifications
        self._clock = clock
        self._settings = settings

    async def execute(self, resume_after: datetime | None = None) -> PaymentSweep:
        """Ask about the next `batch` orders in `awaiting_payment` or `underpaid` that have a payment
        reference and were placed between `horizon` and `grace` ago, oldest first, after
        `resume_after` (the cursor of the previous round), so successive rounds sweep every due order.

        Each payment the provider reports goes through `ApplyPaymentNotification`, the
        same rules as an IPN: a `finished` one that matches pays the order and queues its fulfilment,
        `waiting` changes nothing, and an answer already recorded is recognised by its dedupe key.
        When the provider cannot be asked, the round stops there (the rest waits for the next round,
        the failed order for the next sweep) rather than hammering a provider that is down."""
        now = self._clock.now()
        settings = self._settings
        lower = now - settings.horizon
        if resume_after is not None and resume_after > lower:
            lower = resume_after
        due = list(await self._uow.orders.awaiting_payment(now - settings.grace, lower, settings.batch))
        payments = await self._uow.payments.list_for_orders([order.id for order in due])
        known = {order.id: _payment_ids(payments.get(order.id, [])) for order in due}
        # Nothing is held open while the provider is asked.
        await self._uow.rollback()
        asked = recorded = applied = 0
        cursor: datetime | None = None
        for order in due:
            cursor = order.created_at
            asked += 1
            try:
                answers = await self._lookup.payments_for(order, known[order.id])
            except PaymentProviderUnavailable:
                log.warning(
                    "payment reconciliation: the provider could not be asked about order %s", order.id
                )
                return PaymentSweep(asked, recorded, applied, resume_after=cursor, interrupted=True)
            for verified in answers:
                with about_order(order.id):
                    result = await self._notifications.execute(verified)
                if not result.duplicate:
                    recorded += 1
                if result.outcome is PaymentOutcome.APPLIED:
                    applied += 1
                    log.info(
                        "payment reconciliation: order %s is now %s (payment %s found through the API)",
                        order.id,
                        result.order_status,
                        verified.notification.payment_id,
                    )
        if recorded:
            log.info("payment reconciliation: %d new payment record(s), %d applied", recorded, applied)
        complete = len(due) < settings.batch
        return PaymentSweep(asked, recorded, applied, resume_after=None if complete else cursor)


def _payment_ids(records: list[PaymentRecord]) -> list[str]:
    """The provider's ids of the payments notified for an order, oldest first, once each."""
    return list(dict.fromkeys(record.payment_id for record in records))
