"""`ShopMetrics`, the HTTP figures and the database gauges as Prometheus metrics (docs/metrics.md).

One recorder per process. Under `bitloot serve` the API's processes share a folder
(`PROMETHEUS_MULTIPROC_DIR`, set before prometheus_client is first imported): every value is also
written to this process's files there, and a scrape adds the files up, so `GET /metrics` answers
for every granian worker at once. Elsewhere (a `bitloot worker`, the tests) the values stay in
`registry`, with the process's own CPU, memory and GC figures beside them.

Every label value is checked against its fixed set here, the one place labels are written: a value
outside it is `other`.
"""

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

from bitloot.adapters.metrics.stock_gauges import StockGauges
from bitloot.application.ports.metrics import (
    ERROR,
    IPN_OUTCOMES,
    LIMITS,
    OTHER,
    StorageOp,
    SupplierOutcome,
)
from bitloot.application.use_cases.measure_shop import ShopFigures
from bitloot.domain.audit import RevealChannel
from bitloot.domain.product import SupplierKind
from bitloot.domain.webhook import PROVIDERS, WebhookProvider

log = logging.getLogger(__name__)

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# `FulfillOutcome`'s values, and a run that raised.
JOB_OUTCOMES = frozenset(
    {"fulfilled", "failed", "not_found", "skipped", "retry_later", "needs_attention", ERROR}
)
FULFILLMENT_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
STORAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


def _bounded(value: str, known: frozenset[str]) -> str:
    return value if value in known else OTHER


def multiprocess_mode() -> bool:
    """Whether this process writes its values to the shared folder: the folder was named before
    prometheus_client was imported (the library picks its mode once, at import)."""
    return bool(os.environ.get(MULTIPROCESS_DIR_VARIABLE)) and bool(
        getattr(values.ValueClass, "_multiprocess", False)
    )


class PrometheusMetrics:
    def __init__(self) -> None:
        self.multiprocess = multiprocess_mode()
        if os.environ.get(MULTIPROCESS_DIR_VARIABLE) and not self.multiprocess:
            log.error(
                "%s was set after prometheus_client was imported: /metrics shows this process only",
                MULTIPROCESS_DIR_VARIABLE,
            )
        self.registry = CollectorRegistry()
        r = self.registry
        if not self.multiprocess:
            for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
                r.register(collector)
        self._http_requests = Counter(
            "bitloot_http_requests_total", "HTTP requests answered", ["route", "method", "status"], registry=r
        )
        self._http_seconds = Histogram(
            "bitloot_http_request_seconds", "Time to answer an HTTP request", ["route", "method"], registry=r
        )
        self._ipn = Counter(
            "bitloot_ipn_total",
            "Webhook deliveries from providers, by outcome",
            ["provider", "outcome"],
            registry=r,
        )
        self._jobs = Counter(
            "bitloot_fulfillment_jobs_total", "Fulfilment job runs, by outcome", ["outcome"], registry=r
        )
        self._fulfillment_seconds = Histogram(
            "bitloot_fulfillment_seconds",
            "From an order's payment to its keys delivered",
            buckets=FULFILLMENT_BUCKETS,
            registry=r,
        )
        self._reveals = Counter("bitloot_reveals_total", "Reveals that showed keys", ["channel"], registry=r)
        self._rate_limited = Counter(
            "bitloot_rate_limited_total", "Requests refused by a rate limit", ["limit"], registry=r
        )
        self._supplier_calls = Counter(
            "bitloot_supplier_calls_total", "Supplier calls, by outcome", ["supplier", "outcome"], registry=r
        )
        self._storage_seconds = Histogram(
            "bitloot_storage_seconds",
            "Sealed-blob store operations",
            ["op"],
            buckets=STORAGE_BUCKETS,
            registry=r,
        )
        self._vault_refusals = Counter(
            "bitloot_vault_refusals_total", "Sealed keys the vault refused to open or rewrap", registry=r
        )
        self._init_gauges(r)
        self._init_series()

    def _init_gauges(self, r: CollectorRegistry) -> None:
        """Set from the database by one process every few seconds: across processes the latest wins."""

        def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
            return Gauge(name, doc, labels, registry=r, multiprocess_mode="mostrecent")

        self._orders = gauge("bitloot_orders_total", "Orders in each state", ("status",))
        self._paid_waiting = gauge(
            "bitloot_paid_unfulfilled_oldest_seconds", "Age of the oldest paid order not yet fulfilled"
        )
        self._outbox_open = gauge("bitloot_outbox_requests", "Open fulfilment requests (the outbox)")
        self._outbox_oldest = gauge(
            "bitloot_outbox_oldest_seconds", "Since the oldest open fulfilment request was last queued"
        )
        self._emails = gauge("bitloot_email_outbox", "Customer emails pending or failed", ("state",))
        # By SKU, exactly the products of the latest figures: a collector of its own (`stock_gauges.py`).
        folder = os.environ.get(MULTIPROCESS_DIR_VARIABLE) if self.multiprocess else None
        self._stock = StockGauges(Path(folder) if folder else None)
        if not self.multiprocess:
            r.register(self._stock)
        self._dependency_up = gauge(
            "bitloot_dependency_up", "1 when the dependency's health check passes", ("dependency",)
        )
        self._refreshed = gauge(
            "bitloot_figures_refreshed_timestamp_seconds", "When the database figures were last read"
        )

    def _init_series(self) -> None:
        """The series alerts and dashboards rely on exist at 0 before their first event."""
        for provider in PROVIDERS:
            for outcome in ("applied", "duplicate", "bad_signature", "malformed", ERROR):
                self._ipn.labels(provider, outcome)
        for job_outcome in JOB_OUTCOMES:
            self._jobs.labels(job_outcome)
        for channel in RevealChannel:
            self._reveals.labels(channel.value)

    # -- HTTP (the middleware) ----------------------------------------------------------------------

    def http_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """`route` is a route's template or a fixed word, never a path a client sent."""
        method = _bounded(method, METHODS)
        self._http_requests.labels(route, method, str(status)).inc()
        self._http_seconds.labels(route, method).observe(seconds)

    # -- ShopMetrics ----------------------------------------------------------------------------------

    def ipn_received(self, provider: WebhookProvider, outcome: str) -> None:
        self._ipn.labels(_bounded(provider, frozenset(PROVIDERS)), _bounded(outcome, IPN_OUTCOMES)).inc()

    def fulfillment_job_finished(self, outcome: str) -> None:
        self._jobs.labels(_bounded(outcome, JOB_OUTCOMES)).inc()

    def order_fulfilled(self, seconds_since_paid: float) -> None:
        self._fulfillment_seconds.observe(seconds_since_paid)

    def keys_revealed(self, channel: RevealChannel) -> None:
        self._reveals.labels(RevealChannel(channel).value).inc()

    def rate_limited(self, limit: str) -> None:
        self._rate_limited.labels(_bounded(limit, LIMITS)).inc()

    def supplier_called(self, supplier: SupplierKind, outcome: SupplierOutcome) -> None:
        self._supplier_calls.labels(SupplierKind(supplier).value, SupplierOutcome(outcome).value).inc()

    def storage_timed(self, op: StorageOp, seconds: float) -> None:
        self._storage_seconds.labels(StorageOp(op).value).observe(seconds)

    def vault_refused(self) -> None:
        self._vault_refusals.inc()

    # -- the database figures (the background loop) ---------------------------------------------------

    def show(self, figures: ShopFigures, at: float) -> None:
        """`at`: the Unix time the figures were read."""
        for status, count in figures.orders.items():
            self._orders.labels(status.value).set(count)
        self._paid_waiting.set(figures.paid_unfulfilled_oldest_seconds)
        self._outbox_open.set(figures.outbox_open)
        self._outbox_oldest.set(figures.outbox_oldest_seconds)
        for state, count in figures.emails.items():
            self._emails.labels(state.value).set(count)
        self._stock.show(figures.stock)
        self._refreshed.set(at)

    def show_health(self, checks: Mapping[str, str]) -> None:
        """The health checks' results (`CheckHealth`), each `ok` or not."""
        for dependency, result in checks.items():
            self._dependency_up.labels(dependency).set(1 if result == "ok" else 0)

    # -- exposition -----------------------------------------------------------------------------------

    def scrape(self) -> tuple[bytes, str]:
        """The text format and its content type: in multiprocess mode every process's files added up
        (read from the folder, no query anywhere), else this process's registry."""
        if not self.multiprocess:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        merged.register(self._stock)
        return generate_latest(merged), CONTENT_TYPE_LATEST
