"""Re-running a transaction that lost a race."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.unit_of_work import UnitOfWork

ATTEMPTS = 8
T = TypeVar("T")


async def in_transaction(uow: UnitOfWork, step: Callable[[], Awaitable[T]]) -> T:
    """Run `step` (which commits) until it commits without a `ConcurrencyConflict`.

    Each attempt starts from a fresh read, so the losing side of a race re-decides on what won."""
    for _ in range(ATTEMPTS - 1):
        try:
            return await step()
        except ConcurrencyConflict:
            await uow.rollback()
    return await step()
