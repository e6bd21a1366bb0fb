"""The operator replays a stored webhook delivery (docs/http-api.md). The replay authenticates the stored
delivery again as its provider allows, applies it through the use case that applies that provider's
events, and is recorded as a delivery of its own (`replayed_from`); the dedupe key and the state
machine make it harmless."""

import logging
from collections.abc import Mapping
from typing import Protocol

from bitloot.application.errors import Conflict, InvalidSignature, NotFound
from bitloot.application.ports.kinguin import KinguinEvents
from bitloot.application.ports.payments import PaymentWebhook
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.use_cases.apply_kinguin_event import PROVIDER as KINGUIN
from bitloot.application.use_cases.apply_kinguin_event import ApplyKinguinEvent, ReceivedKinguinEvent
from bitloot.application.use_cases.apply_payment_notification import ApplyPaymentNotification, ReceivedWebhook
from bitloot.domain.operator_audit import Actor
from bitloot.domain.webhook import WebhookDelivery

log = logging.getLogger(__name__)


class WebhookReplayer(Protocol):
    """Runs a stored delivery of one provider again."""

    async def replay(self, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
        """Verify the stored delivery again, apply it, and return the new delivery recorded for the
        replay (`replayed_from` = `delivery.id`), with `actor`'s audit record in its transaction.
        Raises `InvalidSignature` when it no longer verifies, having written nothing."""
        ...


# One replayer per provider name ("nowpayments", "kinguin"); the composition root fills it.
WebhookReplayers = Mapping[str, WebhookReplayer]


class PaymentWebhookReplayer:
    """NOWPayments: the stored body and signature, verified again with the current IPN secret."""

    def __init__(self, webhook: PaymentWebhook, notifications: ApplyPaymentNotification) -> None:
        self._webhook = webhook
        self._notifications = notifications

    async def replay(self, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
        verified = self._webhook.read(delivery.raw_body, delivery.signature)
        received = ReceivedWebhook(
            delivery.raw_body, delivery.signature, replayed_from=delivery.id, actor=actor
        )
        result = await self._notifications.execute(verified, received)
        assert result.delivery is not None  # noqa: S101 - a received delivery is always recorded
        return result.delivery


class KinguinWebhookReplayer:
    """Kinguin sends its secret itself, which is never stored, so a stored delivery cannot be
    verified again: only one authenticated when it arrived is replayed."""

    def __init__(self, events: KinguinEvents, apply: ApplyKinguinEvent) -> None:
        self._events = events
        self._apply = apply

    async def replay(self, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
        if delivery.provider != KINGUIN or not delivery.signature_valid:
            raise InvalidSignature
        event = self._events.read_verified(delivery.event, delivery.raw_body)
        received = ReceivedKinguinEvent(
            delivery.event, delivery.raw_body, replayed_from=delivery.id, actor=actor
        )
        result = await self._apply.execute(event, received)
        assert result.delivery is not None  # noqa: S101 - `ApplyKinguinEvent` always records the delivery
        return result.delivery


class ReplayWebhook:
    def __init__(self, uow: UnitOfWork, replayers: WebhookReplayers) -> None:
        self._uow = uow
        self._replayers = replayers

    async def execute(self, delivery_id: str, actor: Actor) -> WebhookDelivery:
        """The delivery recorded for the replay, audited (`webhook_replayed`, the replayed delivery
        as target) in the replay's transaction. Raises `NotFound` for an unknown delivery, and
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
            replayed = await replayer.replay(delivery, actor)
        except InvalidSignature:
            # A rotated secret, or a row changed by hand; the signature itself is never logged.
            log.warning(
                "replay of webhook delivery %s refused: its signature no longer verifies", delivery.id
            )
            raise Conflict("The stored signature of this delivery no longer verifies.") from None
        log.info("webhook delivery %s replayed as %s: %s", delivery.id, replayed.id, replayed.outcome)
        return replayed
