"""`ShopMetrics` that remembers what it was told, for tests that check what a use case counted."""

from collections import Counter
from dataclasses import dataclass, field

from bitloot.application.ports.metrics import StorageOp, SupplierOutcome
from bitloot.domain.audit import RevealChannel
from bitloot.domain.product import SupplierKind
from bitloot.domain.webhook import WebhookProvider


@dataclass
class RecordingMetrics:
    ipn: Counter[tuple[str, str]] = field(default_factory=Counter)
    jobs: Counter[str] = field(default_factory=Counter)
    fulfillment_seconds: list[float] = field(default_factory=list)
    reveals: Counter[str] = field(default_factory=Counter)
    rate_limited_by: Counter[str] = field(default_factory=Counter)
    supplier_calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    storage: list[tuple[str, float]] = field(default_factory=list)
    vault_refusals: int = 0

    def ipn_received(self, provider: WebhookProvider, outcome: str) -> None:
        self.ipn[provider, outcome] += 1

    def fulfillment_job_finished(self, outcome: str) -> None:
        self.jobs[outcome] += 1

    def order_fulfilled(self, seconds_since_paid: float) -> None:
        self.fulfillment_seconds.append(seconds_since_paid)

    def keys_revealed(self, channel: RevealChannel) -> None:
        self.reveals[channel.value] += 1

    def rate_limited(self, limit: str) -> None:
        self.rate_limited_by[limit] += 1

    def supplier_called(self, supplier: SupplierKind, outcome: SupplierOutcome) -> None:
        self.supplier_calls[supplier.value, outcome.value] += 1

    def storage_timed(self, op: StorageOp, seconds: float) -> None:
        self.storage.append((op.value, seconds))

    def vault_refused(self) -> None:
        self.vault_refusals += 1
