"""Dishka providers that make a worker die (SIGKILL, no cleanup) at one step of a fulfilment.

Loaded into a worker with `bitloot worker --provider tests.e2e.faults:NAME`; each wraps the real
adapter with `decorate`, so everything else runs as in production."""

import os
import signal
from collections.abc import Sequence

from dishka import Provider, Scope, decorate

from bitloot.application.ports.email_sender import EmailSender, OutgoingEmail
from bitloot.application.ports.storage import SealedBlobStore, StoredBlob
from bitloot.application.ports.suppliers import BatchKeySupplier, KeySupplier, SuppliedKey, SupplyRequest
from bitloot.domain.delivery_email import DeliveryEmailKind
from bitloot.domain.product import SupplierKind
from bitloot.entrypoints.ioc.suppliers import Suppliers


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class _DyingSupplier:
    def __init__(self, inner: KeySupplier) -> None:
        self.kind = inner.kind
        self._inner = inner

    async def obtain(self, request: SupplyRequest) -> list[SuppliedKey]:
        die()
        return await self._inner.obtain(request)


class _DyingBatchSupplier(_DyingSupplier):
    def __init__(self, inner: BatchKeySupplier) -> None:
        super().__init__(inner)
        self._batch_inner = inner

    async def obtain_many(self, requests: Sequence[SupplyRequest]) -> dict[str, list[SuppliedKey]]:
        die()
        return await self._batch_inner.obtain_many(requests)


class _DyingAfterPut:
    """Writes a sealed blob of an order, then dies before the transaction that records it commits."""

    def __init__(self, inner: SealedBlobStore) -> None:
        self._inner = inner

    async def put(self, path: str, blob: bytes) -> None:
        await self._inner.put(path, blob)
        if path.startswith("keys/"):
            die()

    async def get(self, path: str) -> bytes | None:
        return await self._inner.get(path)

    async def delete(self, path: str) -> None:
        await self._inner.delete(path)

    async def check(self) -> None:
        await self._inner.check()

    async def list_blobs(self, prefix: str, after: str, limit: int) -> list[StoredBlob]:
        return await self._inner.list_blobs(prefix, after, limit)


class _DyingEmailSender:
    """Called after the fulfilment committed and before the job returns, so before it is acknowledged:
    the job sends the delivery email (recorded in the outbox by that commit) right after it. Whichever
    sends it in this worker, the job or the reconciler, dies after the commit; the healthy worker's
    reconciler sends it once the dead one's claim expires. The emails owed before the fulfilment (the
    order received) go out as usual, so the worker dies where this fault says, not earlier."""

    def __init__(self, inner: EmailSender) -> None:
        self._inner = inner

    async def send(self, email: OutgoingEmail) -> None:
        if email.email.kind is DeliveryEmailKind.ORDER_FULFILLED:
            die()
        await self._inner.send(email)


class KillBeforeSupplier(Provider):
    @decorate(scope=Scope.REQUEST)
    def suppliers(self, suppliers: Suppliers) -> Suppliers:
        return {kind: _DyingSupplier(supplier) for kind, supplier in suppliers.items()}

    @decorate(scope=Scope.REQUEST)
    def stock_batches(self, stock: BatchKeySupplier) -> BatchKeySupplier:
        return _DyingBatchSupplier(stock)


class KillBetweenSealAndCommit(Provider):
    @decorate(scope=Scope.APP)
    def store(self, store: SealedBlobStore) -> SealedBlobStore:
        return _DyingAfterPut(store)


class KillAfterCommitBeforeAck(Provider):
    @decorate(scope=Scope.APP)
    def email_sender(self, email_sender: EmailSender) -> EmailSender:
        return _DyingEmailSender(email_sender)


__all__ = ["KillAfterCommitBeforeAck", "KillBeforeSupplier", "KillBetweenSealAndCommit", "SupplierKind"]
