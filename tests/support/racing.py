"""Racing: start several copies of one call at once, and units of work that may lose to each other.

The tests that use these check what a race may never do (sell a key twice, record a payment twice),
so the helpers only start the contenders together; each test states what the winners and losers see."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.unit_of_work import UnitOfWork

T = TypeVar("T")


async def concurrently(count: int, start: Callable[[], Awaitable[T]]) -> list[T]:
    """`count` calls of `start`, all running before any is awaited; their results in start order."""
    return list(await asyncio.gather(*(start() for _ in range(count))))


async def committed(uow: UnitOfWork, write: Callable[[], Awaitable[object]], *, hold: float = 0.0) -> bool:
    """Run `write` in `uow`, hold the transaction open for `hold` seconds so other units stage theirs
    too, and commit. False when the store refused with `ConcurrencyConflict` (the port lets either the
    write or the commit raise it); the unit is then rolled back, as a caller would."""
    try:
        await write()
        if hold:
            await asyncio.sleep(hold)
        await uow.commit()
    except ConcurrencyConflict:
        await uow.rollback()
        return False
    return True
