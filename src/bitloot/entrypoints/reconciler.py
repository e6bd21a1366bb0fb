"""The reconciler loop: runs inside every worker (and inside the API when jobs run in-process)."""

import asyncio
import contextlib
import logging

from dishka import AsyncContainer

from bitloot.application.use_cases.reconcile_fulfillments import ReconcileFulfillments

log = logging.getLogger(__name__)


async def reconcile_forever(container: AsyncContainer, every_seconds: float, stop: asyncio.Event) -> None:
    """Every `every_seconds`, re-queue the fulfilment requests that were lost; survive any outage."""
    while not stop.is_set():
        try:
            async with container() as request:
                await (await request.get(ReconcileFulfillments)).execute()
        except Exception:  # the database or broker may be down for a while: try again next round
            log.warning("reconciliation round failed; retrying in %ss", every_seconds, exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_seconds)
