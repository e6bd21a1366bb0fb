"""Payment provider edges."""

from collections.abc import Sequence
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


@dataclass(frozen=True, slots=True)
class PaymentSession:
    # Where the customer pays.
    url: str
    # The provider's id for this payment request (NOWPayments' invoice id), kept on the order so the
    # reconciler can ask about it; None when there is nothing to ask (the local simulator).
    reference: str | None = None


class PaymentGateway(Protocol):
    async def start_payment(self, order: Order, order_page: str) -> PaymentSession:
        """Open a payment for the order; `order_page` is the token of its order page link, carried in
        the addresses the provider sends the customer back to (`/paid`, `/cancelled`), which open
        the order page from it. Raises `PaymentProviderUnavailable` when the provider cannot be
        reached or refuses; the caller then stores nothing."""
        ...


class PaymentLookup(Protocol):
    async def payments_for(
        self, order: Order, known_payment_ids: Sequence[str]
    ) -> list[VerifiedNotification]:
        """What the provider's own API says now about the payments of `order` (found through
        `order.payment_reference`, or through `known_payment_ids` from earlier notifications), each
        as a notification whose `dedupe_key` identifies the answer, so asking twice records it once.
        Raises `PaymentProviderUnavailable` when the provider cannot be asked."""
        ...
