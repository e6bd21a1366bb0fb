"""The in-memory webhook inbox: committed deliveries merged with its unit of work's staged ones."""

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.webhooks import DeliveryFilter
from bitloot.domain.webhook import WebhookDelivery
from tests.fakes.state import MemoryDatabase, StagingUnit


class MemoryWebhookInbox:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
        self._db = db
        self._uow = uow

    async def add(self, delivery: WebhookDelivery) -> None:
        if delivery.id in self._db.webhooks or delivery.id in self._uow.staged.webhooks:
            raise ConcurrencyConflict
        self._uow.staged.webhooks[delivery.id] = delivery

    async def get(self, delivery_id: str) -> WebhookDelivery | None:
        return self._uow.staged.webhooks.get(delivery_id) or self._db.webhooks.get(delivery_id)

    async def list_recent(
        self, limit: int, provider: str | None = None, where: DeliveryFilter | None = None
    ) -> list[WebhookDelivery]:
        where = where or DeliveryFilter()
        chosen = [d for d in self._all() if (provider is None or d.provider == provider) and _kept(d, where)]
        return list(reversed(chosen))[: max(limit, 0)]

    async def list_for_order(self, order_id: str) -> list[WebhookDelivery]:
        return [d for d in self._all() if d.order_id == order_id]

    def _all(self) -> list[WebhookDelivery]:
        merged = {**self._db.webhooks, **self._uow.staged.webhooks}
        return sorted(merged.values(), key=lambda d: (d.received_at, d.id))


def _kept(delivery: WebhookDelivery, where: DeliveryFilter) -> bool:
    return (
        (where.outcome is None or delivery.outcome == where.outcome)
        and (where.received_from is None or delivery.received_at >= where.received_from)
        and (where.received_to is None or delivery.received_at < where.received_to)
        and (where.before is None or (delivery.received_at, delivery.id) < where.before)
    )
