"""Signed, expiring links: the delivery link (opens the keys, 15 minutes) and the order page link
(shows the order's state, 30 days)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DeliveryLink:
    token: str
    url: str
    expires_at: datetime


class DeliveryLinkSigner(Protocol):
    def issue(self, order_id: str, now: datetime) -> DeliveryLink: ...

    def resolve(self, token: str, now: datetime) -> str:
        """The order id the token was issued for; raises `InvalidDeliveryLink` when it is forged,
        altered or expired."""
        ...

    def issued_for(self, token: str) -> str:
        """The order id of a link this shop signed, even expired (to email a fresh one to the order's
        own address); raises `InvalidDeliveryLink` when it is forged or altered."""
        ...


class OrderPageLinkSigner(Protocol):
    def issue(self, order_id: str, now: datetime) -> DeliveryLink: ...

    def resolve(self, token: str, now: datetime) -> str:
        """The order id the token was issued for; raises `InvalidOrderPageLink` when it is forged,
        altered or expired."""
        ...
