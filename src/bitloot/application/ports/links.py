"""Signed, expiring delivery links."""

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
