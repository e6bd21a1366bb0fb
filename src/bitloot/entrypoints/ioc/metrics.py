"""Metrics (docs/metrics.md): one Prometheus recorder per process, serving both as the use cases'
`ShopMetrics` and as the HTTP middleware's and `/metrics`' recorder; the figures read from the
database; and the wrappers that count what the rate limiter, the blob store, the vault and the
suppliers do. Listed after the providers whose parts it wraps. With `BITLOOT_METRICS=off`,
`NoMetricsProvider` instead: a recorder that records nothing and no wrapper."""

from dishka import AnyOf, Provider, Scope, decorate, provide

from bitloot.adapters.metrics.counted_rate_limiter import CountedRateLimiter
from bitloot.adapters.metrics.counted_suppliers import counted_suppliers
from bitloot.adapters.metrics.counted_vault import CountedVault
from bitloot.adapters.metrics.no_metrics import NoMetrics
from bitloot.adapters.metrics.prometheus import PrometheusMetrics
from bitloot.adapters.metrics.timed_blob_store import TimedBlobStore
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.crypto import KeyVault
from bitloot.application.ports.metrics import ShopMetrics
from bitloot.application.ports.rate_limit import RateLimiter
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.use_cases.measure_shop import MeasureShop
from bitloot.entrypoints.config import Settings
from bitloot.entrypoints.ioc.persistence import ReadingUnitOfWork
from bitloot.entrypoints.ioc.suppliers import Suppliers


class MetricsProvider(Provider):
    scope = Scope.APP

    @provide(scope=Scope.REQUEST)
    def measure_shop(self, reading: ReadingUnitOfWork, clock: Clock) -> MeasureShop:
        """Reads only: on a read-only connection, each read one round trip."""
        return MeasureShop(reading.uow, clock)

    @provide(provides=AnyOf[PrometheusMetrics, ShopMetrics])
    def metrics(self) -> PrometheusMetrics:
        return PrometheusMetrics()

    @decorate
    def count_rate_limits(self, limiter: RateLimiter, metrics: ShopMetrics) -> RateLimiter:
        return CountedRateLimiter(limiter, metrics)

    @decorate
    def time_storage(self, store: SealedBlobStore, metrics: ShopMetrics) -> SealedBlobStore:
        return TimedBlobStore(store, metrics)

    @decorate
    def count_vault_refusals(self, vault: KeyVault, metrics: ShopMetrics) -> KeyVault:
        return CountedVault(vault, metrics)

    @decorate
    def count_supplier_calls(self, suppliers: Suppliers, metrics: ShopMetrics) -> Suppliers:
        return counted_suppliers(suppliers, metrics)


class NoMetricsProvider(Provider):
    """`BITLOOT_METRICS=off`: the use cases count into nothing, and nothing else is wrapped."""

    scope = Scope.APP

    @provide(provides=ShopMetrics)
    def metrics(self) -> NoMetrics:
        return NoMetrics()


def metrics_provider(settings: Settings) -> Provider:
    return MetricsProvider() if settings.metrics.enabled else NoMetricsProvider()
