"""The fulfilment queue with tracing on: the context a job carries includes the W3C `traceparent`
of the span in play, kept in the outbox with the request (`RequestContext`), and a job sent again
with a kept context is sent under that span, so the reconciler's re-queued job joins the trace of
the IPN that paid the order, as its first job did. (Taskiq's OpenTelemetry middleware then starts
the job's send span there and passes it on in the job's labels.)"""

from opentelemetry import context as otel_context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.domain.request_context import RequestContext

TRACEPARENT = "traceparent"
_W3C = TraceContextTextMapPropagator()


class TracedFulfillmentQueue:
    def __init__(self, queue: FulfillmentQueue) -> None:
        self._queue = queue

    async def enqueue(self, order_id: str, context: RequestContext | None = None) -> None:
        if context is None or context.traceparent is None:
            await self._queue.enqueue(order_id, context)
            return
        token = otel_context.attach(_W3C.extract({TRACEPARENT: context.traceparent}))
        try:
            await self._queue.enqueue(order_id, context)
        finally:
            otel_context.detach(token)

    def current_context(self) -> RequestContext:
        carrier: dict[str, str] = {}
        _W3C.inject(carrier)
        return RequestContext(self._queue.current_context().request_id, carrier.get(TRACEPARENT))

    async def check(self) -> None:
        await self._queue.check()
