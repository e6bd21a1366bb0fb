"""The operator replays a stored webhook delivery through the use case that handles its provider's
webhooks (SPEC §5). The replay verifies the stored signature again and is recorded as a delivery of its
own (`replayed_from`); the dedupe key and the state machine make it harmless."""

import logging

from bitloot.application.errors import Conflict, InvalidSignature, NotFound
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.ports.webhooks import WebhookReplayers
from bitloot.domain.webhook import WebhookDelivery

log = logging.getLogger(__name__)


class ReplayWebhook:
    def __init__(self, uow: UnitOfWork, replayers: WebhookReplayers) -> None:
        self._uow = uow
        self._replayers = replayers

    async def execute(self, delivery_id: str) -> WebhookDelivery:
        """The delivery recorded for the replay. Raises `NotFound` for an unknown delivery, and
        `Conflict` when its provider cannot be replayed or its signature no longer verifies (then
        nothing is written)."""
        delivery = await self._uow.webhooks.get(delivery_id)
        await self._uow.rollback()
        if delivery is None:
            raise NotFound("No such webhook delivery.")
        replayer = self._replayers.get(delivery.provider)
        if replayer is None:
            raise Conflict(f"Deliveries from {delivery.provider} cannot be replayed.")
        try:
            replayed = await replayer.replay(delivery)
        except InvalidSignature:
            # A rotated secret, or a row changed by hand; the signature itself is never logged.
            log.warning(
                "replay of webhook delivery %s refused: its signature no longer verifies", delivery.id
            )
            raise Conflict("The stored signature of this delivery no longer verifies.") from None
        log.info("webhook delivery %s replayed as %s: %s", delivery.id, replayed.id, replayed.outcome)
        return replayed
