"""Payment provider edges."""

from dataclasses import dataclass
from typing import Protocol

from bitloot.domain.order import Order
from bitloot.domain.payment import PaymentNotification


@dataclass(frozen=True, slots=True)
class VerifiedNotification:
    notification: PaymentNotification
    # Identifies the payload: the provider has no event id, so a repeat is recognised by content.
    dedupe_key: str


class PaymentWebhook(Protocol):
    def read(self, raw_body: bytes, signature: str | None) -> VerifiedNotification:
        """Parse and authenticate a notification. Raises `MalformedNotification` for a body that is
        not JSON, `InvalidSignature` when the signature does not match (compared in constant time),
        and `MalformedNotification` for a signed body of the wrong shape."""
        ...


class PaymentGateway(Protocol):
    async def start_payment(self, order: Order) -> str:
        """Open a payment for the order and return the URL where the customer pays."""
        ...
