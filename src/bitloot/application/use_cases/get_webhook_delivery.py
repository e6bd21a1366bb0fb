"""The operator looks at one stored webhook delivery, body included."""

from bitloot.application.errors import NotFound
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.webhook import WebhookDelivery


class GetWebhookDelivery:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, delivery_id: str) -> WebhookDelivery:
        delivery = await self._uow.webhooks.get(delivery_id)
        await self._uow.rollback()
        if delivery is None:
            raise NotFound("No such webhook delivery.")
        return delivery
