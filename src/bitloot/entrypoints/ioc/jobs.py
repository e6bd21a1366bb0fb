"""Background work: the fulfillment queue, the heartbeat that keeps a job's lease alive, and the
settings of the fulfillment job, the reconciler and the orphan sweep."""

import os
import secrets
import socket
from datetime import timedelta

from dishka import AsyncContainer, Provider, Scope, provide
from taskiq import AsyncBroker

from bitloot.adapters.queue.taskiq_queue import TaskiqFulfillmentQueue
from bitloot.application.lease_heartbeat import LeaseHeartbeat
from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.application.use_cases.finish_key_replacements import FinishReplacementsSettings
from bitloot.application.use_cases.fulfill_order import FulfillmentSettings
from bitloot.application.use_cases.reconcile_fulfillments import ReconcileSettings
from bitloot.application.use_cases.sweep_orphan_blobs import SweepSettings
from bitloot.entrypoints.config import Settings
from bitloot.entrypoints.job_batches import JobBatches, container_batches


class JobsProvider(Provider):
    scope = Scope.APP

    heartbeat = provide(LeaseHeartbeat)

    @provide
    def queue(self, broker: AsyncBroker) -> FulfillmentQueue:
        return TaskiqFulfillmentQueue(broker)

    @provide
    def fulfillment_settings(self, settings: Settings) -> FulfillmentSettings:
        return FulfillmentSettings(
            # Unique per process, so a lease names the worker holding it.
            worker_id=f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}",
            lease=timedelta(seconds=settings.tuning.worker.lease_seconds),
        )

    @provide
    def job_batches(self, container: AsyncContainer, settings: Settings) -> JobBatches:
        """One per process: the jobs running at once (at most the worker's concurrency) are batched."""
        return container_batches(container, settings.tuning.worker.concurrency)

    @provide
    def reconcile_settings(self, settings: Settings) -> ReconcileSettings:
        return ReconcileSettings(grace=timedelta(seconds=settings.tuning.reconciler.grace_seconds))

    @provide
    def sweep_settings(self) -> SweepSettings:
        return SweepSettings()

    @provide
    def finish_replacements_settings(self) -> FinishReplacementsSettings:
        return FinishReplacementsSettings()
