"""Taking a paid order for one fulfilment run, and giving it back (docs/reliability.md).

A lease taken in a transaction of its own, and kept alive by the job's heartbeat while it runs
(`lease_heartbeat.py`), lets one run at a time work on an order; a dead run's lease expires and
another run takes the order over.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.errors import InvalidValue
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus

log = logging.getLogger(__name__)


class Unclaimed(StrEnum):
    """Why a run has no order to work on."""

    # No such order, or an id no order can have (a poison message).
    NO_SUCH_ORDER = "no_such_order"
    # Nothing left to do (fulfilled, refunded, never paid): its fulfilment request is closed.
    NOTHING_TO_DO = "nothing_to_do"
    # Another run holds the lease, or took it meanwhile.
    TAKEN = "taken"


@dataclass(frozen=True, slots=True)
class Claimed:
    """The order is this run's for one lease, committed with the lease's owner and expiry."""

    order: Order


@dataclass(frozen=True, slots=True)
class NotClaimed:
    why: Unclaimed


def why_refused(order: Order) -> Unclaimed:
    """Why `order.claim` refused the order: another run holds it while it is being fulfilled;
    otherwise (fulfilled, refunded, never paid) nothing is left to do for it."""
    return Unclaimed.TAKEN if order.status is OrderStatus.FULFILLING else Unclaimed.NOTHING_TO_DO


async def claim_order(
    uow: UnitOfWork, clock: Clock, order_id: str, owner: str, lease: timedelta
) -> Claimed | NotClaimed:
    """Take the order for `owner` under a lease of `lease`, in a transaction of its own."""
    try:
        order = await uow.orders.get(order_id)
    except InvalidValue:  # an id no order can have (a poison message): drop the job
        await uow.rollback()
        log.warning("a fulfilment job for an id no order can have was dropped")
        return NotClaimed(Unclaimed.NO_SUCH_ORDER)
    if order is None:
        return NotClaimed(Unclaimed.NO_SUCH_ORDER)
    if not order.claim(owner, clock.now(), lease):
        if why_refused(order) is Unclaimed.NOTHING_TO_DO:
            # Close its request: no job needs to come back for it.
            await uow.fulfillment_requests.mark_done(order.id, clock.now())
            await uow.commit()
            return NotClaimed(Unclaimed.NOTHING_TO_DO)
        await uow.rollback()
        return NotClaimed(Unclaimed.TAKEN)
    try:
        await uow.orders.save(order)
        await uow.commit()
    except ConcurrencyConflict:
        await uow.rollback()
        return NotClaimed(Unclaimed.TAKEN)
    return Claimed(order)


async def release_order(uow: UnitOfWork, clock: Clock, order_id: str, owner: str) -> None:
    """Give the lease back, unless another run took the order over meanwhile. Drops what the
    caller's transaction staged."""
    await uow.rollback()
    fresh = await uow.orders.get(order_id)
    if fresh is None or not fresh.release(owner, clock.now()):
        await uow.rollback()
        return
    try:
        await uow.orders.save(fresh)
        await uow.commit()
    except ConcurrencyConflict:
        await uow.rollback()
