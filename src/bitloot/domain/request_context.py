"""The request that caused a piece of work, as it travels with the work: its request id and, when
tracing is on, its W3C `traceparent`. Both are opaque strings here; the entrypoints make and read
them. The fulfilment outbox keeps the context of the request that opened each request (the IPN, the
operator's retry), so a job the reconciler re-queues long after still logs under that request's id
and joins its trace."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str | None = None
    traceparent: str | None = None


NO_REQUEST = RequestContext()
