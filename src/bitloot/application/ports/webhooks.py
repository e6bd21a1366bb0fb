"""The webhook inbox and the replay of its deliveries."""

from collections.abc import Mapping
from typing import Protocol

from bitloot.domain.webhook import WebhookDelivery


class WebhookInbox(Protocol):
    """Deliveries as received, each with its outcome. Written in the transaction of what handling
    it did, so a delivery is recorded exactly when its effects are."""

    async def add(self, delivery: WebhookDelivery) -> None:
        """Raises `ConcurrencyConflict` (now or at commit) when the id is already recorded."""
        ...

    async def get(self, delivery_id: str) -> WebhookDelivery | None: ...

    async def list_recent(self, limit: int, provider: str | None = None) -> list[WebhookDelivery]:
        """Newest first (by `received_at`, then id), of one provider or all."""
        ...

    async def list_for_order(self, order_id: str) -> list[WebhookDelivery]:
        """The deliveries that named this order, oldest first."""
        ...


class WebhookReplayer(Protocol):
    """Runs a stored delivery of one provider again through the use case that handles its webhooks."""

    async def replay(self, delivery: WebhookDelivery) -> WebhookDelivery:
        """Verify the stored delivery again, handle it, and return the new delivery recorded for the
        replay (`replayed_from` = `delivery.id`). Raises `InvalidSignature` when it no longer
        verifies, having written nothing."""
        ...


# One replayer per provider name ("nowpayments", "kinguin"); the composition root fills it.
WebhookReplayers = Mapping[str, WebhookReplayer]
