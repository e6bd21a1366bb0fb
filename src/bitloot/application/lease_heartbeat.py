"""The heartbeat that keeps a fulfilment lease alive while its job runs (docs/reliability.md).

The lease is short (`BITLOOT_LEASE_SECONDS`), so the orders of a worker that died are free again
within seconds; a job that is alive renews it every third of its length, however long it runs.

A renewal is a transaction of its own (`OrderRepository.renew_lease`) that sets the expiry and nothing
else: it bumps no version, so the job's own optimistic checks are untouched. A take-over by another
worker still saves the order at a new version and makes the job's next commit fail (its blobs are
discarded); the heartbeat finds the lease gone at its next beat and the job stops before it writes
another blob.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWorkFactory
from bitloot.domain.order import Order

log = logging.getLogger(__name__)

BEATS_PER_LEASE = 3


@dataclass(slots=True)
class HeldLease:
    """What the job knows of the lease its heartbeat keeps."""

    order_id: str
    owner: str
    expires_at: datetime
    lost: bool = False

    def ensure_held(self) -> None:
        """Raises `ConcurrencyConflict` once the heartbeat found the lease in other hands."""
        if self.lost:
            raise ConcurrencyConflict

    def stamp(self, order: Order) -> None:
        """Call right before saving `order`: a save writes every column, and would otherwise set the
        lease back to the expiry the job read, undoing the renewals made since."""
        self.ensure_held()
        if order.lease_expires_at is None or order.lease_expires_at < self.expires_at:
            order.lease_expires_at = self.expires_at


class LeaseHeartbeat:
    def __init__(self, units: UnitOfWorkFactory, clock: Clock) -> None:
        self._units = units
        self._clock = clock

    @asynccontextmanager
    async def keep(self, order: Order, lease: timedelta) -> AsyncIterator[HeldLease]:
        """Renew the lease `order` was just claimed with, every `lease / 3`, until the block ends."""
        if order.lease_owner is None or order.lease_expires_at is None:
            raise ValueError("Only a claimed order has a lease to keep.")
        held = HeldLease(order.id, order.lease_owner, order.lease_expires_at)
        beating = asyncio.create_task(self._beat(held, lease))
        try:
            yield held
        finally:
            beating.cancel()
            await asyncio.wait({beating})

    async def _beat(self, held: HeldLease, lease: timedelta) -> None:
        while True:
            await asyncio.sleep(lease.total_seconds() / BEATS_PER_LEASE)
            until = self._clock.now() + lease
            # Before the renewal: a save the job makes meanwhile carries the new expiry too.
            held.expires_at = until
            try:
                renewed = await self._renew(held, until)
            except Exception:  # the database may be gone for a moment: the next beat tries again
                log.warning("order %s: lease renewal failed; retrying", held.order_id, exc_info=True)
                continue
            if not renewed:
                log.info("order %s: the lease is no longer ours; the job stops", held.order_id)
                held.lost = True
                return

    async def _renew(self, held: HeldLease, until: datetime) -> bool:
        async with self._units() as uow:
            renewed = await uow.orders.renew_lease(held.order_id, held.owner, until)
            await uow.commit()
        return renewed
