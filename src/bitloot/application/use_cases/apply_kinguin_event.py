"""An authenticated Kinguin event about an order or a product is applied and kept in the webhook inbox
(docs/suppliers.md webhooks): one that just arrived (`ReceiveKinguinWebhook`), or an operator's replay."""

import logging
from dataclasses import dataclass
from typing import Final

from bitloot.application.dispatch import dispatch_fulfillment
from bitloot.application.log_context import note_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.kinguin import (
    KinguinEvent,
    OrderStatusEvent,
    OtherEvent,
    ProductUpdateEvent,
)
from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.replay_audit import stage_replay_audit
from bitloot.application.retry import in_transaction
from bitloot.domain.ids import new_id
from bitloot.domain.kinguin import COMPLETED, KinguinOrder
from bitloot.domain.operator_audit import Actor
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.webhook import WebhookDelivery, WebhookProvider

log = logging.getLogger(__name__)

PROVIDER: WebhookProvider = "kinguin"

# What handling a delivery did (kept with it in the webhook inbox).
APPLIED: Final = "applied"
# Not newer than what we hold: events arrive in any order, `updatedAt` decides.
STALE: Final = "stale"
# About an item (`orderExternalId`) we do not know.
UNMATCHED: Final = "unmatched"
# About another Kinguin order than the one recorded for the item.
MISMATCH: Final = "mismatch"
# An event this service does not act on.
IGNORED: Final = "ignored"

# Orders whose fulfilment a completed Kinguin order moves on.
_WAITING = (OrderStatus.PAID, OrderStatus.FULFILLING)


@dataclass(frozen=True, slots=True)
class KinguinEventResult:
    outcome: str
    order_id: str | None = None
    # A fulfilment was requested (the Kinguin order of one of its items completed).
    fulfillment_requested: bool = False
    delivery: WebhookDelivery | None = None


@dataclass(frozen=True, slots=True)
class ReceivedKinguinEvent:
    """A delivery as it reached us, to be kept in the inbox with what handling it did."""

    event_name: str
    raw_body: bytes
    # The stored delivery an operator replays; None for a delivery from Kinguin.
    replayed_from: str | None = None
    # Who replays it: the replay is audited in its own transaction (docs/console.md).
    actor: Actor | None = None


class ApplyKinguinEvent:
    def __init__(self, uow: UnitOfWork, queue: FulfillmentQueue, clock: Clock) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock

    async def execute(self, event: KinguinEvent, received: ReceivedKinguinEvent) -> KinguinEventResult:
        """Apply one authenticated event and keep `received` in the webhook inbox, in one transaction.

        `order.status` is applied only when its `updatedAt` is newer than the status held; a
        `completed` order requests the fulfilment of the order owning the item (outbox, then the
        queue after commit), so keys that were pending are fetched now instead of at the reconciler's
        next round. `product.update` sets the availability of the products sold as that Kinguin
        product, again only when newer.
        """
        result = await in_transaction(self._uow, lambda: self._apply(event, received))
        if result.order_id is not None:
            note_order(result.order_id)
        if result.fulfillment_requested and result.order_id is not None:
            await dispatch_fulfillment(self._queue, result.order_id)
        return result

    async def _apply(self, event: KinguinEvent, received: ReceivedKinguinEvent) -> KinguinEventResult:
        """Stage what the event changes and its inbox entry."""
        if isinstance(event, OrderStatusEvent):
            result = await self._order_status(event)
        elif isinstance(event, ProductUpdateEvent):
            changed = await self._uow.products.set_supplier_availability(
                event.kinguin_id, event.quantity, event.updated_at
            )
            result = KinguinEventResult(APPLIED if changed else STALE)
        else:
            assert isinstance(event, OtherEvent)  # noqa: S101 - the union's last member
            result = KinguinEventResult(IGNORED)
        delivery = WebhookDelivery(
            id=new_id(),
            provider=PROVIDER,
            event=received.event_name or "unknown",
            raw_body=received.raw_body,
            # Kinguin sends its secret in plain text: it is checked, never stored.
            signature=None,
            signature_valid=True,
            dedupe_key=None,
            outcome=result.outcome,
            order_id=result.order_id,
            received_at=self._clock.now(),
            replayed_from=received.replayed_from,
        )
        await self._uow.webhooks.add(delivery)
        await stage_replay_audit(self._uow, received.actor, delivery)
        return KinguinEventResult(result.outcome, result.order_id, result.fulfillment_requested, delivery)

    async def _order_status(self, event: OrderStatusEvent) -> KinguinEventResult:
        record = await self._uow.kinguin_orders.get(event.item_id)
        if record is None:
            order_id = await self._uow.kinguin_orders.order_of_item(event.item_id)
            if order_id is None:
                log.info("Kinguin order %s names an unknown item", event.kinguin_order_id)
                return KinguinEventResult(UNMATCHED)
            # Kinguin took the order before we recorded it (the worker died in between): record it
            # now, and the next attempt finds it here.
            record = KinguinOrder(
                event.item_id, order_id, event.kinguin_order_id, event.status, event.updated_at
            )
            await self._uow.kinguin_orders.add(record)
        elif record.kinguin_order_id != event.kinguin_order_id:
            log.warning(
                "Kinguin order %s names item %s, which has Kinguin order %s",
                event.kinguin_order_id,
                event.item_id,
                record.kinguin_order_id,
            )
            return KinguinEventResult(MISMATCH, record.order_id)
        elif record.apply_status(event.status, event.updated_at):
            await self._uow.kinguin_orders.save(record)
        else:
            return KinguinEventResult(STALE, record.order_id)
        requested = record.status == COMPLETED and await self._request_fulfillment(record.order_id)
        return KinguinEventResult(APPLIED, record.order_id, requested)

    async def _request_fulfillment(self, order_id: str) -> bool:
        order = await self._uow.orders.get(order_id)
        if order is None or order.status not in _WAITING:
            return False
        await self._uow.fulfillment_requests.add(order.id, self._clock.now(), self._queue.current_context())
        return True
