"""The fulfilment queue on a Taskiq broker (in-process when embedded, Redis in production)."""

import asyncio

from redis.asyncio import Redis
from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker
from taskiq_redis import RedisStreamBroker

from bitloot.application.errors import QueueUnavailable
from bitloot.application.log_context import bound, current_request_id
from bitloot.domain.request_context import RequestContext

FULFILL_TASK = "bitloot.fulfill_order"
ENQUEUE_TIMEOUT_SECONDS = 5.0


class TaskiqFulfillmentQueue:
    """Sends only the order id: no key and no customer data ever travel through the broker."""

    def __init__(self, broker: AsyncBroker) -> None:
        self._broker = broker
        self._kicker: AsyncKicker[[str], object] = AsyncKicker(FULFILL_TASK, broker, labels={})

    async def enqueue(self, order_id: str, context: RequestContext | None = None) -> None:
        """The job's labels carry the request id (`entrypoints/logs/job_labels.py` writes the one in
        play): `context`'s, when given, stands in for it while the job is sent."""
        try:
            with bound(request_id=None if context is None else context.request_id):
                await asyncio.wait_for(self._kicker.kiq(order_id), ENQUEUE_TIMEOUT_SECONDS)
        except Exception as exc:  # a broker's failures are many and library-specific
            raise QueueUnavailable from exc

    def current_context(self) -> RequestContext:
        """The request id in play; the trace context is added when tracing is on
        (`entrypoints/tracing/traced_queue.py`)."""
        return RequestContext(request_id=current_request_id())

    async def check(self) -> None:
        """An in-process broker is always there; a Redis broker must answer a PING."""
        if isinstance(self._broker, RedisStreamBroker):
            try:
                async with Redis(connection_pool=self._broker.connection_pool) as redis:
                    await asyncio.wait_for(redis.ping(), ENQUEUE_TIMEOUT_SECONDS)
            except Exception as exc:
                raise QueueUnavailable from exc
