"""The operator re-queues a failed fulfilment (after importing stock, say), or one held for them."""

from bitloot.application.dispatch import dispatch_fulfillment
from bitloot.application.errors import Conflict, NotFound
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.order_status import OrderStatus


class RetryFulfillment:
    def __init__(self, uow: UnitOfWork, queue: FulfillmentQueue, clock: Clock) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock

    async def execute(self, order_id: str) -> None:
        """Only a `failed` or `needs_attention` order is retried; the request goes through the outbox
        like a payment's."""
        order = await self._uow.orders.get(order_id)
        if order is None:
            raise NotFound("No such order.")
        if order.status not in (OrderStatus.FAILED, OrderStatus.NEEDS_ATTENTION):
            raise Conflict(f"Only a failed or held order is retried; this one is {order.status}.")
        await self._uow.fulfillment_requests.add(order.id, self._clock.now())
        await self._uow.commit()
        await dispatch_fulfillment(self._uow, self._queue, order.id, self._clock.now())
