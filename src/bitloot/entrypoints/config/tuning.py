"""Timings and sizes, grouped by the part of the service that reads them.

Each is a positive whole number overridable by the environment variable written beside it (with the
`BITLOOT_` prefix, e.g. `BITLOOT_LEASE_SECONDS`); `environment_names()` lists them for the loader.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

ENV_NAME = "env"


def knob(env: str, default: int) -> Any:
    """A field set by `BITLOOT_{env}`. Typed `Any` as `dataclasses.field` is, so mypy reads the
    assignment as the field's default."""
    return field(default=default, metadata={ENV_NAME: env})


@dataclass(frozen=True, slots=True)
class WorkerTuning:
    """Read by the fulfillment worker, its job queue and `FulfillOrder`."""

    # The fulfillment lease, renewed by the job's heartbeat every third of it: a dead worker's orders
    # are taken over about this long after it died.
    lease_seconds: int = knob("LEASE_SECONDS", 10)
    concurrency: int = knob("WORKER_CONCURRENCY", 32)
    # A job read from the Redis stream and not acknowledged this long may be claimed by another
    # worker (the reconciler re-queues its order much sooner).
    redelivery_idle_seconds: int = knob("REDELIVERY_IDLE_SECONDS", 300)


@dataclass(frozen=True, slots=True)
class ReconcilerTuning:
    """Read by the reconciler every process runs beside its API or worker."""

    # One indexed query per round, which also re-queues the orders whose lease lapsed.
    every_seconds: int = knob("RECONCILE_EVERY_SECONDS", 2)
    # A request handed to the queue and still not leased after this long is queued again: its job was
    # lost, or read by a worker that died before taking the lease. A duplicate job is harmless.
    grace_seconds: int = knob("RECONCILE_GRACE_SECONDS", 8)
    # How often it asks NOWPayments about orders still awaiting payment.
    payment_every_seconds: int = knob("PAYMENT_RECONCILE_EVERY_SECONDS", 60)
    # How often (at most) each process sweeps sealed blobs no row refers to.
    orphan_sweep_every_seconds: int = knob("ORPHAN_SWEEP_EVERY_SECONDS", 300)


@dataclass(frozen=True, slots=True)
class DatabaseTuning:
    """Read by the SQL engine of each process."""

    pool_size: int = knob("DATABASE_POOL_SIZE", 10)


@dataclass(frozen=True, slots=True)
class EmailTuning:
    """Read by `SendDeliveryEmails` (after a fulfillment job, and by the reconciler)."""

    # How long a sender holds a delivery email before another may send it (one send takes far less).
    lease_seconds: int = knob("EMAIL_LEASE_SECONDS", 120)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Read by the HTTP rate guard (per client address) and the per-order limits of the use cases:
    requests per `window_seconds`."""

    window_seconds: int = knob("RATE_LIMIT_WINDOW_SECONDS", 60)
    reveal_per_order: int = knob("REVEAL_LIMIT_PER_ORDER", 10)
    reveal_per_ip: int = knob("REVEAL_LIMIT_PER_IP", 30)
    link_per_order: int = knob("LINK_LIMIT_PER_ORDER", 20)
    link_per_ip: int = knob("LINK_LIMIT_PER_IP", 60)
    # Emails a customer may ask for (a fresh delivery link, the order page link), per order and window.
    email_per_order: int = knob("EMAIL_LIMIT_PER_ORDER", 3)
    order_per_ip: int = knob("ORDER_LIMIT_PER_IP", 20)
    # The order page (`/o/{token}`): its views, live updates and form posts, per client address.
    order_page_per_ip: int = knob("ORDER_PAGE_LIMIT_PER_IP", 60)
    # "Lost your email?" (`POST /o/lookup`), per client address.
    lookup_per_ip: int = knob("LOOKUP_LIMIT_PER_IP", 10)
    # Console sign-in attempts (docs/console.md), per client address and per email tried.
    sign_in_per_ip: int = knob("SIGN_IN_LIMIT_PER_IP", 10)
    sign_in_per_email: int = knob("SIGN_IN_LIMIT_PER_EMAIL", 10)


@dataclass(frozen=True, slots=True)
class ConsoleTuning:
    """Read by the console's session check (docs/console.md): a session ends after this long unused,
    and this long after sign-in whatever happens."""

    idle_minutes: int = knob("CONSOLE_IDLE_MINUTES", 30)
    session_hours: int = knob("CONSOLE_SESSION_HOURS", 12)


TuningGroup = WorkerTuning | ReconcilerTuning | DatabaseTuning | EmailTuning | RateLimits | ConsoleTuning


@dataclass(frozen=True, slots=True)
class Tuning:
    worker: WorkerTuning = field(default_factory=WorkerTuning)
    reconciler: ReconcilerTuning = field(default_factory=ReconcilerTuning)
    database: DatabaseTuning = field(default_factory=DatabaseTuning)
    email: EmailTuning = field(default_factory=EmailTuning)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    console: ConsoleTuning = field(default_factory=ConsoleTuning)


def environment_names(group: "type[DataclassInstance]") -> Iterator[tuple[str, str]]:
    """(field, environment variable without the prefix) for each field of a group."""
    for each in fields(group):
        yield each.name, each.metadata[ENV_NAME]
