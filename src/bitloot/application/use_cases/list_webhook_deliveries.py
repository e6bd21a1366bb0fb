"""The operator looks at the webhook inbox, newest first, of one provider or all."""

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.webhook import WebhookDelivery

MAX_LIMIT = 200


class ListWebhookDeliveries:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, provider: str | None = None, limit: int = 50) -> list[WebhookDelivery]:
        deliveries = await self._uow.webhooks.list_recent(max(1, min(limit, MAX_LIMIT)), provider)
        await self._uow.rollback()
        return deliveries
