"""Suppliers whose every call is counted by supplier and outcome (`bitloot_supplier_calls_total`)."""

from collections.abc import Mapping, Sequence

from bitloot.application.errors import (
    KeysNotReady,
    NoSupplierConfigured,
    StorageUnavailable,
    SupplierRefused,
    SupplierUnavailable,
)
from bitloot.application.ports.metrics import ShopMetrics, SupplierOutcome
from bitloot.application.ports.suppliers import BatchKeySupplier, KeySupplier, SuppliedKey, SupplyRequest
from bitloot.domain.errors import OutOfStock
from bitloot.domain.product import SupplierKind

# Checked in this order: `KeysNotReady` is a `SupplierUnavailable`.
_OUTCOMES: tuple[tuple[type[Exception] | tuple[type[Exception], ...], SupplierOutcome], ...] = (
    (OutOfStock, SupplierOutcome.OUT_OF_STOCK),
    ((SupplierRefused, NoSupplierConfigured), SupplierOutcome.REFUSED),
    (KeysNotReady, SupplierOutcome.NOT_READY),
    ((SupplierUnavailable, StorageUnavailable), SupplierOutcome.UNAVAILABLE),
)


def outcome_of(exc: Exception) -> SupplierOutcome:
    for kinds, outcome in _OUTCOMES:
        if isinstance(exc, kinds):
            return outcome
    return SupplierOutcome.ERROR


class CountedSupplier:
    def __init__(self, inner: KeySupplier, metrics: ShopMetrics) -> None:
        self.inner = inner
        self.metrics = metrics
        self.kind: SupplierKind = inner.kind

    async def obtain(self, request: SupplyRequest) -> list[SuppliedKey]:
        try:
            keys = await self.inner.obtain(request)
        except Exception as exc:
            self.metrics.supplier_called(self.inner.kind, outcome_of(exc))
            raise
        self.metrics.supplier_called(self.inner.kind, SupplierOutcome.OK)
        return keys


class CountedBatchSupplier(CountedSupplier):
    """Counts each item a batch supplied; an item left out is counted by the `obtain` that follows
    for it alone, with the reason it fails."""

    def __init__(self, inner: BatchKeySupplier, metrics: ShopMetrics) -> None:
        super().__init__(inner, metrics)
        self.batch_inner = inner

    async def obtain_many(self, requests: Sequence[SupplyRequest]) -> dict[str, list[SuppliedKey]]:
        try:
            supplied = await self.batch_inner.obtain_many(requests)
        except Exception as exc:
            self.metrics.supplier_called(self.kind, outcome_of(exc))
            raise
        for _ in supplied:
            self.metrics.supplier_called(self.kind, SupplierOutcome.OK)
        return supplied


def counted_suppliers(
    suppliers: Mapping[SupplierKind, KeySupplier], metrics: ShopMetrics
) -> dict[SupplierKind, KeySupplier]:
    return {kind: CountedSupplier(supplier, metrics) for kind, supplier in suppliers.items()}
