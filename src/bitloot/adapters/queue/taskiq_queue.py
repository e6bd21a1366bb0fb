"""The fulfilment queue on a Taskiq broker (in-process when embedded, Redis in production)."""

from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

from bitloot.application.errors import QueueUnavailable

FULFILL_TASK = "bitloot.fulfill_order"


class TaskiqFulfillmentQueue:
    """Sends only the order id: no key, no customer data, ever travels through the broker."""

    def __init__(self, broker: AsyncBroker) -> None:
        self._kicker: AsyncKicker[[str], object] = AsyncKicker(FULFILL_TASK, broker, labels={})

    async def enqueue(self, order_id: str) -> None:
        try:
            await self._kicker.kiq(order_id)
        except Exception as exc:  # a broker's failures are many and library-specific
            raise QueueUnavailable from exc

    async def check(self) -> None:
        """An in-process broker is always there; a networked broker is checked by its own probe."""
