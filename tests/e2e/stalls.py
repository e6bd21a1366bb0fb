"""A dishka provider that makes every supplier step of a worker hang (a supplier that never answers),
so that the worker holds its jobs in flight for as long as the test wants, then is killed.

Loaded with `bitloot worker --provider tests.e2e.stalls:StallInSupplier`; each job prints
`STALLED_LINE` once it holds the order's lease and is inside the supplier step."""

import asyncio
from collections.abc import Sequence

from dishka import Provider, Scope, decorate

from bitloot.application.ports.suppliers import BatchKeySupplier, KeySupplier, SuppliedKey, SupplyRequest
from bitloot.entrypoints.ioc.suppliers import Suppliers

STALLED_LINE = "stalled in the supplier step: order"
STALL_SECONDS = 600


class _StallingSupplier:
    def __init__(self, inner: KeySupplier) -> None:
        self.kind = inner.kind
        self._inner = inner

    async def obtain(self, request: SupplyRequest) -> list[SuppliedKey]:
        print(f"{STALLED_LINE} {request.order_id}", flush=True)
        await asyncio.sleep(STALL_SECONDS)
        return await self._inner.obtain(request)


class _StallingBatchSupplier(_StallingSupplier):
    def __init__(self, inner: BatchKeySupplier) -> None:
        super().__init__(inner)
        self._batch_inner = inner

    async def obtain_many(self, requests: Sequence[SupplyRequest]) -> dict[str, list[SuppliedKey]]:
        for request in requests:
            print(f"{STALLED_LINE} {request.order_id}", flush=True)
        await asyncio.sleep(STALL_SECONDS)
        return await self._batch_inner.obtain_many(requests)


class StallInSupplier(Provider):
    @decorate(scope=Scope.REQUEST)
    def suppliers(self, suppliers: Suppliers) -> Suppliers:
        return {kind: _StallingSupplier(supplier) for kind, supplier in suppliers.items()}

    @decorate(scope=Scope.REQUEST)
    def stock_batches(self, stock: BatchKeySupplier) -> BatchKeySupplier:
        return _StallingBatchSupplier(stock)
