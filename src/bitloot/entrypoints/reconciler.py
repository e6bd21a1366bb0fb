"""The reconciler loop: runs inside every worker (and inside the API when jobs run in-process)."""

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from dishka import AsyncContainer

from bitloot.application.ports.clock import Clock
from bitloot.application.ports.reconciler_agenda import ALL_OWED, OwedWork, ReconcilerAgenda
from bitloot.application.use_cases.finish_key_replacements import (
    FinishKeyReplacements,
    FinishReplacementsSettings,
)
from bitloot.application.use_cases.reconcile_fulfillments import ReconcileFulfillments, ReconcileSettings
from bitloot.application.use_cases.reconcile_payments import PaymentSweep, ReconcilePayments
from bitloot.application.use_cases.send_delivery_emails import SendDeliveryEmails
from bitloot.application.use_cases.sweep_orphan_blobs import SweepOrphanBlobs
from bitloot.entrypoints.config import Settings

log = logging.getLogger(__name__)


async def reconcile_forever(container: AsyncContainer, every_seconds: float, stop: asyncio.Event) -> None:
    """Every `every_seconds`, re-queue the fulfilment requests that were lost; survive any outage."""
    # Asking NOWPayments about unpaid orders runs beside, on its own interval: a slow or failing
    # provider never holds up the rounds here, and an outage here never stops it.
    payments = asyncio.create_task(reconcile_payments_forever(container, stop))
    orphans = OrphanSweep((await container.get(Settings)).tuning.reconciler.orphan_sweep_every_seconds)
    agenda = await Agenda.of(container)
    while not stop.is_set():
        owed = await agenda.owed()
        try:
            if owed.fulfillments:
                async with container() as request:
                    await (await request.get(ReconcileFulfillments)).execute()
        except Exception:  # the database or broker may be down for a while: try again next round
            log.warning("reconciliation round failed; retrying in %ss", every_seconds, exc_info=True)
        try:  # key replacements a crash or an outage left unfinished (their emails go out just below)
            if owed.replacements:
                async with container() as request:
                    await (await request.get(FinishKeyReplacements)).execute()
        except Exception:  # the database, the store or a supplier may be down: try again next round
            log.warning("finishing key replacements failed; retrying in %ss", every_seconds, exc_info=True)
        try:  # the delivery emails still owed (SMTP was down, or a worker died before sending)
            # Asked again after the replacements, which may just have owed one.
            if owed.emails or owed.replacements:
                async with container() as request:
                    await (await request.get(SendDeliveryEmails)).execute()
        except Exception:  # the database may be down for a while: try again next round
            log.warning("sending delivery emails failed; retrying in %ss", every_seconds, exc_info=True)
        try:  # sealed blobs no row refers to (a lost race, a crash before the commit), now and then
            await sweep_orphan_blobs_round(container, orphans, time.monotonic())
        except Exception:  # the database or the store may be down: try again at the next interval
            log.warning(
                "sweeping orphaned blobs failed; retrying in %ss", orphans.every_seconds, exc_info=True
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_seconds)
    await payments


@dataclass(frozen=True)
class Agenda:
    """Which steps of a round have work, asked in one read (`ReconcilerAgenda`) with the graces the
    steps themselves use: an idle round costs one statement instead of each step's read in a
    transaction of its own. When that read fails, every step runs (and reports its own failure)."""

    agenda: ReconcilerAgenda
    clock: Clock
    requests_grace: timedelta
    replacements_grace: timedelta

    @classmethod
    async def of(cls, container: AsyncContainer) -> "Agenda":
        return cls(
            await container.get(ReconcilerAgenda),
            await container.get(Clock),
            (await container.get(ReconcileSettings)).grace,
            (await container.get(FinishReplacementsSettings)).grace,
        )

    async def owed(self) -> OwedWork:
        now = self.clock.now()
        try:
            return await self.agenda.owed(now - self.requests_grace, now, now - self.replacements_grace)
        except Exception:  # the database may be down: let each step try, and say why it failed
            return ALL_OWED


@dataclass
class OrphanSweep:
    """This process's sweep over sealed blobs (`SweepOrphanBlobs`): at most one run every
    `every_seconds`, each going on where the last one stopped."""

    every_seconds: float
    resume_after: str = ""
    last_started: float | None = None

    def due(self, now: float) -> bool:
        return self.last_started is None or now - self.last_started >= self.every_seconds


async def sweep_orphan_blobs_round(container: AsyncContainer, sweep: OrphanSweep, now: float) -> bool:
    """Run the sweep when it is due (`now` on the monotonic clock); False when it was not. A failed run
    waits out the interval too, so an outage is not hammered every round."""
    if not sweep.due(now):
        return False
    sweep.last_started = now
    async with container() as request:
        report = await (await request.get(SweepOrphanBlobs)).execute(sweep.resume_after)
    sweep.resume_after = report.resume_after
    return True


@dataclass
class PaymentCursor:
    """Where the sweep over orders awaiting payment goes on (`ReconcilePayments.execute`)."""

    resume_after: datetime | None = None


async def reconcile_payments_round(container: AsyncContainer, cursor: PaymentCursor) -> PaymentSweep:
    """Ask NOWPayments about the next batch of orders still awaiting payment; move the cursor on."""
    async with container() as request:
        sweep = await (await request.get(ReconcilePayments)).execute(cursor.resume_after)
    cursor.resume_after = sweep.resume_after
    return sweep


async def reconcile_payments_forever(container: AsyncContainer, stop: asyncio.Event) -> None:
    """Every `BITLOOT_PAYMENT_RECONCILE_EVERY_SECONDS`, one payment round, when NOWPayments is
    configured (the simulator has nothing to ask); survive any outage."""
    settings = await container.get(Settings)
    if settings.nowpayments is None:
        return
    every_seconds = settings.tuning.reconciler.payment_every_seconds
    cursor = PaymentCursor()
    while not stop.is_set():
        # A round waiting on a slow provider is abandoned at stop (each payment it applied committed on
        # its own), so shutting down never waits for NOWPayments' timeouts.
        current = asyncio.create_task(reconcile_payments_round(container, cursor))
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({current, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not current.done():
                current.cancel()
        try:
            await current
        except asyncio.CancelledError:
            if not stop.is_set():
                raise
        except Exception:  # the database may be down for a while: try again next round
            log.warning("payment reconciliation round failed; retrying in %ss", every_seconds, exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_seconds)
