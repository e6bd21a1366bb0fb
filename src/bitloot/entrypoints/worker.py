"""`bitloot worker`: consumes fulfilment jobs from Redis and runs the reconciler beside them."""

import asyncio
import logging
import signal

from dishka import Provider
from dishka.integrations.taskiq import TaskiqProvider
from dishka.integrations.taskiq import setup_dishka as setup_taskiq_dishka
from taskiq.acks import AcknowledgeType
from taskiq.receiver import Receiver

from bitloot.adapters.metrics.prometheus import PrometheusMetrics
from bitloot.entrypoints.config import Settings
from bitloot.entrypoints.ioc import container_for, warm_up
from bitloot.entrypoints.metrics_listener import listen_for_scrapes
from bitloot.entrypoints.reconciler import reconcile_forever
from bitloot.entrypoints.startup_heap import freeze_startup_heap
from bitloot.entrypoints.tasks import build_broker
from bitloot.entrypoints.tracing import WORKER_SERVICE, start_tracing

log = logging.getLogger(__name__)

DRAIN_SECONDS = 20.0
STARTUP_SECONDS = 0.2


async def run_worker(settings: Settings, *overrides: Provider) -> None:
    """Run jobs concurrently (`BITLOOT_WORKER_CONCURRENCY`) until SIGTERM or SIGINT, then let running
    jobs finish for up to `DRAIN_SECONDS`. A job is acknowledged only after it ran; if this process
    dies first, the reconciler of any worker re-queues the order from the database."""
    if not settings.broker_url:
        raise SystemExit(
            "bitloot worker needs BITLOOT_BROKER_URL (redis://...): embedded jobs run in the API."
        )
    broker = build_broker(settings)
    broker.is_worker_process = True
    # Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (entrypoints/tracing/).
    tracing = start_tracing(WORKER_SERVICE)
    tracing.instrument_broker(broker)
    container = container_for(settings, broker, TaskiqProvider(), *overrides, *tracing.providers())
    setup_taskiq_dishka(container, broker)
    stop = asyncio.Event()
    await warm_up(container)
    freeze_startup_heap()
    metrics = (
        listen_for_scrapes(settings.metrics, await container.get(PrometheusMetrics))
        if settings.metrics.enabled
        else None
    )
    await broker.startup()
    receiver = Receiver(
        broker,
        max_async_tasks=settings.tuning.worker.concurrency,
        ack_type=AcknowledgeType.WHEN_EXECUTED,
        run_startup=False,
        propagate_exceptions=False,
        wait_tasks_timeout=DRAIN_SECONDS,
    )
    reconciler = asyncio.create_task(
        reconcile_forever(container, settings.tuning.reconciler.every_seconds, stop)
    )
    listening = asyncio.create_task(receiver.listen(stop))
    # Take over SIGTERM/SIGINT only once the receiver runs: taskiq 0.13's `listen` never returns when
    # it is stopped before it started. Until then the default handlers end the process, with no job
    # taken yet.
    await asyncio.sleep(STARTUP_SECONDS)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("worker started: %d concurrent jobs", settings.tuning.worker.concurrency)
    try:
        await listening
    finally:
        stop.set()
        await reconciler
        await broker.shutdown()
        await container.close()
        if metrics is not None:
            metrics.close()
        await tracing.shutdown()
        log.info("worker stopped")
