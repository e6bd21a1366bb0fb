"""Handing fulfilment work to workers."""

from typing import Protocol

from bitloot.domain.request_context import RequestContext


class FulfillmentQueue(Protocol):
    """A fast trigger, not the record: the outbox in the database is. A job may run more than once
    and must be idempotent. Every failure of the broker raises `QueueUnavailable`."""

    async def enqueue(self, order_id: str, context: RequestContext | None = None) -> None:
        """Send the job, carrying `context` (a request's, kept in the outbox) or, when None, the
        context of the work in progress."""
        ...

    def current_context(self) -> RequestContext:
        """The context a job sent now would carry (what `enqueue` without one sends)."""
        ...

    async def check(self) -> None: ...
