"""A queue that remembers what it was given, for tests that run the jobs themselves."""

from bitloot.application import log_context
from bitloot.application.errors import QueueUnavailable
from bitloot.domain.request_context import RequestContext


class RecordingQueue:
    def __init__(self) -> None:
        self.enqueued: list[str] = []
        # The context each job was sent with, beside `enqueued`.
        self.contexts: list[RequestContext] = []
        self.unavailable = False

    async def enqueue(self, order_id: str, context: RequestContext | None = None) -> None:
        await self.check()
        self.enqueued.append(order_id)
        self.contexts.append(context or self.current_context())

    def current_context(self) -> RequestContext:
        return RequestContext(log_context.current_request_id())

    async def check(self) -> None:
        if self.unavailable:
            raise QueueUnavailable
