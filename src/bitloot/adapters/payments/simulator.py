"""The local payment simulator of the embedded mode: payment URLs point at our own page, which sends
NOWPayments-shaped IPNs signed with our IPN secret through the real notification path."""

from collections.abc import Mapping, Sequence

from bitloot.adapters.payments.nowpayments.webhook import sign_ipn
from bitloot.application.ports.payments import PaymentSession, VerifiedNotification
from bitloot.domain.ids import new_id
from bitloot.domain.order import Order
from bitloot.domain.payment import PaymentStatus

SIMULATED_STATUSES = (PaymentStatus.FINISHED, PaymentStatus.PARTIALLY_PAID, PaymentStatus.EXPIRED)


class SimulatorPaymentGateway:
    def __init__(self, public_base_url: str) -> None:
        self._base = public_base_url.rstrip("/")

    async def start_payment(self, order: Order, order_page: str) -> PaymentSession:
        """The simulator's page; its result page issues the order page link itself.
        No reference: there is no provider to ask, and the simulator's IPNs are never lost."""
        return PaymentSession(url=f"{self._base}/simulator/pay/{order.id}", reference=None)

    async def payments_for(
        self, order: Order, known_payment_ids: Sequence[str]
    ) -> list[VerifiedNotification]:
        """`PaymentLookup`: the simulator keeps no payments to ask about."""
        return []


def simulated_ipn(order: Order, status: PaymentStatus, ipn_secret: bytes) -> tuple[bytes, str]:
    """A signed IPN body as NOWPayments would post it for `order`, paying in a made-up coin."""
    total = order.total
    paid = total.amount if status is PaymentStatus.FINISHED else total.amount / 2
    payload: Mapping[str, object] = {
        "payment_id": int(new_id().replace("-", "")[:12], 16),
        "invoice_id": None,
        "payment_status": status.value,
        "pay_address": "simulated",
        "price_amount": float(total.amount),
        "price_currency": total.currency.lower(),
        "pay_amount": float(total.amount),
        "actually_paid": float(paid) if status is not PaymentStatus.EXPIRED else 0,
        "pay_currency": "sim",
        "order_id": order.id,
        "order_description": f"BitLoot order {order.id}",
        "outcome_amount": float(paid),
        "outcome_currency": "sim",
        "fee": {"currency": "sim", "depositFee": 0, "withdrawalFee": 0, "serviceFee": 0},
    }
    return sign_ipn(payload, ipn_secret)
