"""NOWPayments' REST API (docs/payments.md) as the shop's `PaymentGateway` and `PaymentLookup`.

`NowPaymentsGateway` opens an invoice for each new order (`invoices`) and asks what became of an
order's payments (`lookups`), over one `transport` per process (base `BITLOOT_NOWPAYMENTS_BASE_URL`,
default https://api.nowpayments.io; the sandbox is https://api-sandbox.nowpayments.io). The payments it
reports are read by the IPN's own parser (`payload`).
"""

from collections.abc import Sequence

import httpx

from bitloot.adapters.payments.nowpayments import invoices, lookups
from bitloot.adapters.payments.nowpayments.settings import NowPaymentsSettings
from bitloot.adapters.payments.nowpayments.transport import NowPaymentsTransport
from bitloot.application.ports.payments import PaymentSession, VerifiedNotification
from bitloot.domain.order import Order


class NowPaymentsGateway:
    """`PaymentGateway` and `PaymentLookup` on NOWPayments. Open one per process and `aclose()` it."""

    def __init__(
        self,
        settings: NowPaymentsSettings,
        public_base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._public = public_base_url.rstrip("/")
        self._transport = NowPaymentsTransport(settings, transport)

    def __repr__(self) -> str:
        return f"NowPaymentsGateway(base_url={self._settings.base_url!r}, api_key=<hidden>)"

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def start_payment(self, order: Order, order_page: str) -> PaymentSession:
        """`PaymentGateway`: the order's invoice."""
        return await invoices.create_invoice(self._transport, self._public, order, order_page)

    async def payments_for(
        self, order: Order, known_payment_ids: Sequence[str]
    ) -> list[VerifiedNotification]:
        """`PaymentLookup`: the order's payments as NOWPayments reports them."""
        return await lookups.payments_for(self._transport, order, known_payment_ids)
