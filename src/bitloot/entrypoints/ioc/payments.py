"""Payments: NOWPayments when `BITLOOT_NOWPAYMENTS_API_KEY` is set (always in production), else the
local simulator; the IPN signature check; the payment reconciler's settings."""

from collections.abc import AsyncIterator

from dishka import AnyOf, Provider, Scope, provide

from bitloot.adapters.payments.nowpayments.gateway import NowPaymentsGateway
from bitloot.adapters.payments.nowpayments.webhook import NowPaymentsWebhook
from bitloot.adapters.payments.simulator import SimulatorPaymentGateway
from bitloot.application.ports.payments import PaymentGateway, PaymentLookup, PaymentWebhook
from bitloot.application.use_cases.reconcile_payments import PaymentReconcileSettings
from bitloot.entrypoints.config import Settings


class PaymentsProvider(Provider):
    scope = Scope.APP

    @provide
    def payment_webhook(self, settings: Settings) -> PaymentWebhook:
        return NowPaymentsWebhook(settings.secrets.ipn_secret)

    @provide(provides=AnyOf[PaymentGateway, PaymentLookup])
    async def payment_gateway(
        self, settings: Settings
    ) -> AsyncIterator[NowPaymentsGateway | SimulatorPaymentGateway]:
        """One HTTP client per process, closed with the container."""
        if settings.nowpayments is None:
            yield SimulatorPaymentGateway(settings.public_base_url)
            return
        gateway = NowPaymentsGateway(settings.nowpayments, settings.public_base_url)
        try:
            yield gateway
        finally:
            await gateway.aclose()

    @provide
    def payment_reconcile_settings(self) -> PaymentReconcileSettings:
        return PaymentReconcileSettings()
