"""Handing a recorded fulfilment request to the queue, after its transaction committed."""

import logging
from datetime import datetime

from bitloot.application.errors import QueueUnavailable
from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.request_context import RequestContext

log = logging.getLogger(__name__)


async def dispatch_fulfillment(
    uow: UnitOfWork,
    queue: FulfillmentQueue,
    order_id: str,
    now: datetime,
    context: RequestContext | None = None,
) -> bool:
    """Enqueue and mark the outbox row dispatched. A queue outage leaves the row for the reconciler.
    `context`: the one the request was opened under, for a job sent again later (else the current)."""
    try:
        await queue.enqueue(order_id, context)
    except QueueUnavailable:
        log.warning("queue unavailable; order %s stays in the outbox", order_id)
        return False
    await uow.fulfillment_requests.mark_dispatched(order_id, now)
    await uow.commit()
    return True
