"""Fulfilment jobs that arrive together run together, as one `FulfillBatch` (docs/reliability.md,
"Batches").

The broker hands a worker its jobs in bursts (one stream read takes up to the worker's concurrency),
and taskiq runs each as a task of its own. Each task gives its order id to the process's
`JobBatches` and waits for that order's outcome. At most `running_at_once` batches run at a time
(one still running after `slot_seconds` no longer counts, so a stuck one holds nothing back);
the ids that came in within `window_seconds` of the first (or `max_size` of them) go to one batch,
and those that come while the batches are all running wait for the first to end, then go
together. A busy worker therefore runs few large batches rather than many of one (a queue worked
through frees taskiq's slots one job at a time, so a window alone saw batches of one), and an idle
one starts a lone job after the window. Each batch runs in a dishka request scope of its own. A job
is acknowledged only when its task returns, that is after its batch finished, so a worker that dies
mid-batch leaves every job of it to be redelivered or re-queued by the reconciler, as before.

After a batch, the emails its fulfilled or failed orders owe are sent at once (best effort: the
reconciler sends whatever this leaves).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from dishka import AsyncContainer

from bitloot.application import log_context
from bitloot.application.use_cases.fulfill_batch import FulfillBatch
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.send_delivery_emails import SendDeliveryEmails

log = logging.getLogger(__name__)

# Long enough for the tasks of one stream read to join; short beside the 50 ms a customer may wait.
WINDOW_SECONDS = 0.002
# Two: one batch waits on PostgreSQL or S3 while the other has the CPU.
RUNNING_AT_ONCE = 2
# A batch still running after this long (a supplier that hangs, a slow order of another supplier
# inside it) no longer holds back the next one: no job waits behind a stuck batch for longer. A batch
# of own stock takes a small fraction of it.
SLOT_SECONDS = 0.5
# The emails of these outcomes were recorded with them, for sending right away.
_EMAIL_OWED = (FulfillOutcome.FULFILLED, FulfillOutcome.FAILED)

# The batch's order ids, and each one's log fields (those of the job that asked for it).
RunBatch = Callable[[Sequence[str], Mapping[str, Mapping[str, str]]], Awaitable[Mapping[str, FulfillOutcome]]]


# A job waiting for its batch: its order id, its log fields, its outcome to be.
_Waiting = tuple[str, dict[str, str], "asyncio.Future[FulfillOutcome]"]


class JobBatches:
    def __init__(
        self,
        run: RunBatch,
        max_size: int,
        window_seconds: float = WINDOW_SECONDS,
        running_at_once: int = RUNNING_AT_ONCE,
        slot_seconds: float = SLOT_SECONDS,
    ) -> None:
        if max_size < 1:
            raise ValueError("A batch holds at least one job.")
        if running_at_once < 1:
            raise ValueError("At least one batch runs at a time.")
        self._run = run
        self._max_size = max_size
        self._window = window_seconds
        self._running_at_once = running_at_once
        self._slot_seconds = slot_seconds
        self._waiting: list[_Waiting] = []
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[None]] = set()
        # The running batches that hold one of the `running_at_once` slots.
        self._holding: set[asyncio.Task[None]] = set()

    async def submit(self, order_id: str) -> FulfillOutcome:
        """The order's outcome once its batch ran; what the batch raised, if it failed."""
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[FulfillOutcome] = loop.create_future()
        self._waiting.append((order_id, log_context.current(), outcome))
        if len(self._holding) >= self._running_at_once:
            pass  # it goes with the batch that starts when a running one ends
        elif len(self._waiting) >= self._max_size:
            self._start()
        elif self._timer is None:
            self._timer = loop.call_later(self._window, self._start)
        return await outcome

    def _start(self) -> None:
        """Start batches of the jobs waiting (up to `max_size` each) while more may run."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._waiting and len(self._holding) < self._running_at_once:
            batch, self._waiting = self._waiting[: self._max_size], self._waiting[self._max_size :]
            task = asyncio.create_task(self._run_batch(batch))
            self._running.add(task)
            self._holding.add(task)
            task.add_done_callback(self._ended)
            asyncio.get_running_loop().call_later(self._slot_seconds, self._free_slot, task)

    def _ended(self, task: "asyncio.Task[None]") -> None:
        """A batch ended: the jobs that waited meanwhile go now (they waited long enough)."""
        self._running.discard(task)
        self._free_slot(task)

    def _free_slot(self, task: "asyncio.Task[None]") -> None:
        if task in self._holding:
            self._holding.discard(task)
            self._start()

    async def _run_batch(self, batch: list["_Waiting"]) -> None:
        # The task starts from a copy of the context of the job that started it: its trace (the
        # batch's spans join that job's), but not its log fields, since the batch's lines are about
        # all its orders (each order's line carries its own job's fields).
        log_context.forget()
        try:
            outcomes = await self._run(
                [order_id for order_id, _, _ in batch], {order_id: fields for order_id, fields, _ in batch}
            )
        except BaseException as exc:
            for _, _, outcome in batch:
                if outcome.done():
                    continue
                if isinstance(exc, asyncio.CancelledError):
                    outcome.cancel()
                else:
                    outcome.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for order_id, _, outcome in batch:
            if not outcome.done():
                outcome.set_result(outcomes[order_id])


def container_batches(container: AsyncContainer, max_size: int) -> JobBatches:
    """Batches run by the container's `FulfillBatch`, each in a request scope of its own."""

    async def run(
        order_ids: Sequence[str], labels: Mapping[str, Mapping[str, str]]
    ) -> Mapping[str, FulfillOutcome]:
        async with container() as request:
            outcomes = await (await request.get(FulfillBatch)).execute_many(order_ids, labels)
            owed = [order_id for order_id, outcome in outcomes.items() if outcome in _EMAIL_OWED]
            if owed:
                await send_owed_emails(await request.get(SendDeliveryEmails), owed)
            return outcomes

    return JobBatches(run, max_size)


async def send_owed_emails(emails: SendDeliveryEmails, order_ids: Sequence[str]) -> None:
    """Best effort: on an error (the database may be gone for a moment) what is left goes to the
    reconciler, which sends every email the outbox still holds."""
    try:
        await emails.execute_for_orders(order_ids)
    except Exception:
        log.warning("the emails of %d orders left to the reconciler", len(order_ids), exc_info=True)
