"""The fulfilment task and the broker that carries it."""

from dishka.integrations.taskiq import FromDishka
from dishka.integrations.taskiq import inject as taskiq_inject
from taskiq import AsyncBroker, InMemoryBroker

from bitloot.adapters.queue.reconnecting_stream_broker import ReconnectingRedisStreamBroker
from bitloot.adapters.queue.taskiq_queue import FULFILL_TASK
from bitloot.entrypoints.config import Settings
from bitloot.entrypoints.job_batches import JobBatches
from bitloot.entrypoints.logs.job_labels import JobLogContext

REDIS_CONNECT_TIMEOUT_SECONDS = 2
REDIS_SOCKET_TIMEOUT_SECONDS = 5
READ_BLOCK_MS = 1_000


@taskiq_inject(patch_module=True)
async def fulfill_order(order_id: str, batches: FromDishka[JobBatches]) -> str:
    """Returns only the outcome's name: results may be stored, and must never carry a key.

    The order is fulfilled in a batch with the jobs running beside it (`job_batches.py`); once it is
    fulfilled (or failed) its email goes out at once, best effort: the email was recorded with the
    outcome, so if sending fails (or this worker dies) the reconciler sends it."""
    return (await batches.submit(order_id)).value


def build_broker(settings: Settings, *, await_inplace: bool = False) -> AsyncBroker:
    """Redis streams when `BITLOOT_BROKER_URL` is set, else an in-process broker whose jobs run in the
    API process (`await_inplace` runs each before `kiq` returns, for tests).

    On Redis the broker is a fast trigger, not the record (docs/reliability.md): a job whose worker died is
    re-queued by the reconciler from the database well before the stream's own redelivery, which
    happens only after `redelivery_idle_seconds` and only when new traffic arrives. The autoclaim lock
    has a timeout so a killed worker cannot hold it forever; every socket call is bounded; a worker's
    listener waits out a Redis that went away (`ReconnectingRedisStreamBroker`).
    """
    broker: AsyncBroker
    if settings.broker_url:
        broker = ReconnectingRedisStreamBroker(
            settings.broker_url,
            queue_name=settings.queue_name,
            consumer_group_name=f"{settings.queue_name}:workers",
            xread_block=READ_BLOCK_MS,
            # Read no more jobs than run at once: a job read but not yet leased by a worker that dies
            # waits for the reconciler's grace, so the fewer of those, the better.
            xread_count=settings.tuning.worker.concurrency,
            idle_timeout=settings.tuning.worker.redelivery_idle_seconds * 1000,
            unacknowledged_lock_timeout=5,
            maxlen=1_000_000,
            socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
            socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
        )
    else:
        broker = InMemoryBroker(
            await_inplace=await_inplace, max_async_tasks=settings.tuning.worker.concurrency
        )
    broker.register_task(fulfill_order, task_name=FULFILL_TASK)
    # The request id travels with the job into the worker's lines (entrypoints/logs/job_labels.py).
    broker.add_middlewares(JobLogContext())
    return broker
