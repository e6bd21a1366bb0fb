"""Handing fulfilment work to workers."""

from typing import Protocol


class FulfillmentQueue(Protocol):
    """A fast trigger, not the record: the outbox in the database is. A job may run more than once
    and must be idempotent. Every failure of the broker raises `QueueUnavailable`."""

    async def enqueue(self, order_id: str) -> None: ...

    async def check(self) -> None: ...
