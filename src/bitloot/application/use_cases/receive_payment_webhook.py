"""NOWPayments tells us about a payment through its webhook, the IPN (docs/payments.md)."""

from bitloot.application.ports.metrics import ShopMetrics
from bitloot.application.ports.payments import PaymentWebhook
from bitloot.application.use_cases.apply_payment_notification import (
    PROVIDER,
    ApplyPaymentNotification,
    NotificationResult,
    ReceivedWebhook,
)
from bitloot.application.webhook_counting import counted_delivery
from bitloot.domain.errors import InvalidValue
from bitloot.domain.webhook import DUPLICATE, MAX_BODY_BYTES


class ReceivePaymentWebhook:
    def __init__(
        self, webhook: PaymentWebhook, notifications: ApplyPaymentNotification, metrics: ShopMetrics
    ) -> None:
        self._webhook = webhook
        self._notifications = notifications
        self._metrics = metrics

    async def execute(self, raw_body: bytes, signature: str | None) -> NotificationResult:
        """Authenticate one webhook delivery, then record and apply it with its inbox entry
        (`ApplyPaymentNotification`). A bad signature (`InvalidSignature`) or a body that is not a
        notification (`MalformedNotification`) writes nothing. Each delivery is counted by how it
        ended (`bitloot_ipn_total`)."""
        return await counted_delivery(
            self._metrics, PROVIDER, lambda: self._receive(raw_body, signature), _outcome
        )

    async def _receive(self, raw_body: bytes, signature: str | None) -> NotificationResult:
        if len(raw_body) > MAX_BODY_BYTES:
            # Refused before anything is read or written (the HTTP layer answers 413 before this).
            raise InvalidValue("The notification body is too large.")
        verified = self._webhook.read(raw_body, signature)
        return await self._notifications.execute(verified, ReceivedWebhook(raw_body, signature))


def _outcome(result: NotificationResult) -> str:
    return DUPLICATE if result.duplicate or result.outcome is None else result.outcome.value
