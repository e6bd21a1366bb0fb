"""Handing a recorded fulfilment request to the queue, after its transaction committed."""

import logging
from datetime import datetime

from bitloot.application.errors import QueueUnavailable
from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.request_context import RequestContext

log = logging.getLogger(__name__)


async def dispatch_fulfillment(queue: FulfillmentQueue, order_id: str) -> bool:
    """Enqueue a request the caller's transaction has just written (opened or reopened at its `now`);
    False when the queue is down, and the request waits for the reconciler.

    The row is not marked `dispatched`: the reconciler treats `pending` and `dispatched` alike and
    measures its grace from `updated_at`, which the write just set. A second transaction here would
    only move that instant on by the enqueue's milliseconds (docs/reliability.md)."""
    try:
        await queue.enqueue(order_id, None)
    except QueueUnavailable:
        log.warning("queue unavailable; order %s stays in the outbox", order_id)
        return False
    return True


async def redispatch_fulfillment(
    uow: UnitOfWork, queue: FulfillmentQueue, order_id: str, now: datetime, context: RequestContext
) -> bool:
    """Enqueue a request again (the reconciler) and mark it `dispatched` at `now`: the touch starts
    its grace anew, so it is not sent again every round while its job runs. A queue outage leaves
    the row untouched. `context`: the one the request was opened under."""
    try:
        await queue.enqueue(order_id, context)
    except QueueUnavailable:
        log.warning("queue unavailable; order %s stays in the outbox", order_id)
        return False
    await uow.fulfillment_requests.mark_dispatched(order_id, now)
    await uow.commit()
    return True
