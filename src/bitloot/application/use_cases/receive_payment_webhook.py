"""NOWPayments tells us about a payment through its webhook, the IPN (docs/payments.md)."""

from bitloot.application.ports.payments import PaymentWebhook
from bitloot.application.use_cases.apply_payment_notification import (
    ApplyPaymentNotification,
    NotificationResult,
    ReceivedWebhook,
)
from bitloot.domain.errors import InvalidValue
from bitloot.domain.webhook import MAX_BODY_BYTES


class ReceivePaymentWebhook:
    def __init__(self, webhook: PaymentWebhook, notifications: ApplyPaymentNotification) -> None:
        self._webhook = webhook
        self._notifications = notifications

    async def execute(self, raw_body: bytes, signature: str | None) -> NotificationResult:
        """Authenticate one webhook delivery, then record and apply it with its inbox entry
        (`ApplyPaymentNotification`). A bad signature (`InvalidSignature`) or a body that is not a
        notification (`MalformedNotification`) writes nothing."""
        if len(raw_body) > MAX_BODY_BYTES:
            # Refused before anything is read or written (the HTTP layer answers 413 before this).
            raise InvalidValue("The notification body is too large.")
        verified = self._webhook.read(raw_body, signature)
        return await self._notifications.execute(verified, ReceivedWebhook(raw_body, signature))
