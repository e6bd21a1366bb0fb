"""The webhook inbox."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bitloot.domain.webhook import WebhookDelivery


@dataclass(frozen=True, slots=True)
class DeliveryFilter:
    """Narrows `list_recent`: one outcome, received in [`received_from`, `received_to`), strictly
    older than `before` (the (received_at, id) of the previous page's last delivery)."""

    outcome: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    before: tuple[datetime, str] | None = None


class WebhookInbox(Protocol):
    """Deliveries as received, each with its outcome. Written in the transaction of what handling
    it did, so a delivery is recorded exactly when its effects are."""

    async def add(self, delivery: WebhookDelivery) -> None:
        """Raises `ConcurrencyConflict` (now or at commit) when the id is already recorded."""
        ...

    async def get(self, delivery_id: str) -> WebhookDelivery | None: ...

    async def list_recent(
        self, limit: int, provider: str | None = None, where: DeliveryFilter | None = None
    ) -> list[WebhookDelivery]:
        """Newest first (by `received_at`, then id), of one provider or all, narrowed by `where`."""
        ...

    async def list_for_order(self, order_id: str) -> list[WebhookDelivery]:
        """The deliveries that named this order, oldest first."""
        ...
