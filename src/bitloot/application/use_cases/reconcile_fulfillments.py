"""Re-queue fulfilment work the broker lost or a dead worker left behind (docs/reliability.md)."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from bitloot.application.dispatch import redispatch_fulfillment
from bitloot.application.log_context import about_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.request_context import NO_REQUEST

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReconcileSettings:
    # A request untouched for this long was lost: never dispatched, or dropped by the broker (a job
    # that still runs then skips: its lease is live). A request whose order's lease lapsed (the
    # worker died; a live one's heartbeat renews it) is due at once, without this wait.
    grace: timedelta = timedelta(seconds=30)
    batch: int = 200


class ReconcileFulfillments:
    def __init__(
        self, uow: UnitOfWork, queue: FulfillmentQueue, clock: Clock, settings: ReconcileSettings
    ) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock
        self._settings = settings

    async def execute(self) -> int:
        """Dispatch again every open request older than the grace period, and every one whose lease
        lapsed since it was last dispatched; return how many.

        The database is the record and jobs are idempotent, so a request re-queued while its first
        job is still running costs one skipped job, never a second key."""
        now = self._clock.now()
        due = await self._uow.fulfillment_requests.due(now - self._settings.grace, now, self._settings.batch)
        # Each job sent again carries the request id and trace of the request that opened it.
        contexts = await self._uow.fulfillment_requests.contexts(due)
        await self._uow.rollback()
        requeued = 0
        for order_id in due:
            context = contexts.get(order_id, NO_REQUEST)
            with about_order(order_id):
                dispatched = await redispatch_fulfillment(
                    self._uow, self._queue, order_id, self._clock.now(), context
                )
            if not dispatched:
                break
            requeued += 1
        if requeued:
            log.info("re-queued %d fulfilment request(s)", requeued)
        return requeued
