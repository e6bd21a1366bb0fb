"""A queue that remembers what it was given, for tests that run the jobs themselves."""

from bitloot.application.errors import QueueUnavailable


class RecordingQueue:
    def __init__(self) -> None:
        self.enqueued: list[str] = []
        self.unavailable = False

    async def enqueue(self, order_id: str) -> None:
        await self.check()
        self.enqueued.append(order_id)

    async def check(self) -> None:
        if self.unavailable:
            raise QueueUnavailable
