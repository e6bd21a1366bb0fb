"""Running a transaction again when it loses a race."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.unit_of_work import UnitOfWork

ATTEMPTS = 8
T = TypeVar("T")


async def in_transaction(
    uow: UnitOfWork,
    stage: Callable[[], Awaitable[T]],
    *,
    on_conflict: Callable[[], Awaitable[None]] | None = None,
) -> T:
    """Run `stage`, commit what it staged, and answer what it returned.

    `stage` reads and stages writes on `uow` and never commits or rolls back itself: this helper owns
    the transaction. When the staging or the commit loses a race (`ConcurrencyConflict`), the
    transaction is rolled back and `stage` runs again from a fresh read, so the losing side re-decides
    on what won; after `ATTEMPTS` lost races the last conflict propagates. `on_conflict` runs after
    each lost race, to undo what the attempt did outside the transaction (the blobs it wrote, say).
    Anything else `stage` or the commit raises rolls the transaction back and propagates.
    """
    lost = 0
    while True:
        try:
            return await _attempt(uow, stage)
        except ConcurrencyConflict:
            if on_conflict is not None:
                await on_conflict()
            lost += 1
            if lost == ATTEMPTS:
                raise


async def _attempt(uow: UnitOfWork, stage: Callable[[], Awaitable[T]]) -> T:
    """One try: what `stage` staged is committed, or rolled back when anything fails."""
    try:
        result = await stage()
        await uow.commit()
    except Exception:
        await uow.rollback()
        raise
    return result
