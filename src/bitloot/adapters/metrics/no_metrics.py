"""`ShopMetrics` that records nothing: the use cases' recorder with `BITLOOT_METRICS=off`, so they
run unchanged while nothing is counted (docs/metrics.md)."""

from bitloot.application.ports.metrics import StorageOp, SupplierOutcome
from bitloot.domain.audit import RevealChannel
from bitloot.domain.product import SupplierKind
from bitloot.domain.webhook import WebhookProvider


class NoMetrics:
    def ipn_received(self, provider: WebhookProvider, outcome: str) -> None:
        pass

    def fulfillment_job_finished(self, outcome: str) -> None:
        pass

    def order_fulfilled(self, seconds_since_paid: float) -> None:
        pass

    def keys_revealed(self, channel: RevealChannel) -> None:
        pass

    def rate_limited(self, limit: str) -> None:
        pass

    def supplier_called(self, supplier: SupplierKind, outcome: SupplierOutcome) -> None:
        pass

    def storage_timed(self, op: StorageOp, seconds: float) -> None:
        pass

    def vault_refused(self) -> None:
        pass
