"""A worker turns a paid order into sealed keys (docs/README.md, docs/reliability.md)."""

import logging
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bitloot.application.blob_cleanup import delete_quietly
from bitloot.application.errors import (
    ConcurrencyConflict,
    KeysNotReady,
    NoSupplierConfigured,
    StorageUnavailable,
    SupplierRefused,
    SupplierUnavailable,
)
from bitloot.application.key_sealing import KeySealer
from bitloot.application.lease_heartbeat import HeldLease, LeaseHeartbeat
from bitloot.application.log_context import note_order
from bitloot.application.order_claim import NotClaimed, Unclaimed, claim_order, release_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.crypto import KeyFingerprints, KeyVault
from bitloot.application.ports.metrics import ERROR, ShopMetrics
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.suppliers import KeySupplier, SuppliedKey, SupplyRequest
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import ATTEMPTS
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind
from bitloot.domain.errors import OutOfStock
from bitloot.domain.fingerprints import KeyFingerprint
from bitloot.domain.ids import new_id
from bitloot.domain.order import Order, OrderItem
from bitloot.domain.payment import paid_at
from bitloot.domain.product import Product, SupplierKind

log = logging.getLogger(__name__)


class FulfillOutcome(StrEnum):
    FULFILLED = "fulfilled"
    FAILED = "failed"
    NOT_FOUND = "not_found"
    # Another worker holds the lease, or there is nothing to do (already fulfilled, not paid).
    SKIPPED = "skipped"
    # A supplier or storage outage: the lease will expire and the order be tried again.
    RETRY_LATER = "retry_later"
    # A supplier sent a key the shop already holds or delivered: held for the operator
    # (docs/stock-integrity.md).
    NEEDS_ATTENTION = "needs_attention"


class _KeyAlreadyOurs(Exception):
    """A supplier's key whose fingerprint is recorded already; the message names ids, never the key."""


# What a run answers when it has no order to work on.
_NOT_CLAIMED = {
    Unclaimed.NO_SUCH_ORDER: FulfillOutcome.NOT_FOUND,
    Unclaimed.NOTHING_TO_DO: FulfillOutcome.SKIPPED,
    Unclaimed.TAKEN: FulfillOutcome.SKIPPED,
}


@dataclass(frozen=True, slots=True)
class FulfillmentSettings:
    worker_id: str
    # Short, and kept alive by the job's heartbeat: a dead worker's orders are free within seconds.
    lease: timedelta = timedelta(seconds=10)


class FulfillOrder:
    def __init__(
        self,
        uow: UnitOfWork,
        suppliers: Mapping[SupplierKind, KeySupplier],
        vault: KeyVault,
        store: SealedBlobStore,
        clock: Clock,
        heartbeat: LeaseHeartbeat,
        settings: FulfillmentSettings,
        fingerprints: KeyFingerprints,
        metrics: ShopMetrics,
    ) -> None:
        self._uow = uow
        self._metrics = metrics
        self._suppliers = suppliers
        self._store = store
        self._clock = clock
        self._heartbeat = heartbeat
        self._settings = settings
        self._fingerprints = fingerprints
        self._lease_owner = settings.worker_id
        self._sealer = KeySealer(uow, vault, store)

    async def execute(self, order_id: str, lease_owner: str | None = None) -> FulfillOutcome:
        """Safe to run any number of times, concurrently too.

        A lease taken in its own transaction, and kept alive by a heartbeat while the job runs, lets
        one worker at a time work on an order. Each item's keys come from an idempotent supplier step
        keyed by the item, are sealed to order, item and key, written to storage and then recorded; an
        item already recorded is skipped. Running again after a crash at any point therefore finishes
        the work without a second key. Each run is counted by its outcome (`bitloot_fulfillment_jobs_total`).

        `lease_owner` is the owner of a lease taken already for this run (a batch's, `FulfillBatch`);
        None takes one of the run's own.
        """
        note_order(order_id)
        try:
            outcome = await self._run(order_id, lease_owner)
        except Exception:
            self._metrics.fulfillment_job_finished(ERROR)
            raise
        self._metrics.fulfillment_job_finished(outcome.value)
        return outcome

    async def _run(self, order_id: str, lease_owner: str | None) -> FulfillOutcome:
        # One lease owner per run, not per process: a second job for the same order in the same worker
        # (re-queued while the first still runs) must find the lease taken and skip.
        self._lease_owner = lease_owner or f"{self._settings.worker_id}:{secrets.token_hex(6)}"
        for _ in range(ATTEMPTS):
            claim = await claim_order(
                self._uow, self._clock, order_id, self._lease_owner, self._settings.lease
            )
            if isinstance(claim, NotClaimed):
                return _NOT_CLAIMED[claim.why]
            try:
                async with self._heartbeat.keep(claim.order, self._settings.lease) as lease:
                    return await self._fulfill(claim.order, lease)
            except ConcurrencyConflict:
                # Another transaction took a stock unit we wanted, or the order changed (say, another
                # worker took over an expired lease): start again from a fresh read, under the lease.
                await self._uow.rollback()
        return FulfillOutcome.RETRY_LATER

    async def _fulfill(self, order: Order, lease: HeldLease) -> FulfillOutcome:
        products = await self._uow.products.get_many([item.product_id for item in order.items])
        # Keys commit with their item's mark, so an order none of whose items is fulfilled holds none
        # (and `KeySealer.record` refuses a second key from the same source key regardless).
        recorded = (
            {(key.item_id, key.source_key_id) for key in await self._uow.keys.list_for_order(order.id)}
            if any(item.is_fulfilled for item in order.items)
            else set()
        )
        pending = [item for item in order.items if not item.is_fulfilled]
        written: list[str] = []  # the blobs of the transaction still open
        try:
            for position, item in enumerate(pending):
                last = position == len(pending) - 1
                await self._fulfill_item(order, item, products[item.product_id], recorded, written, lease)
                if not last:
                    async with self._discard_on_conflict(written):
                        await self._uow.orders.save(order)
                        await self._uow.commit()  # each item's keys are durable on their own
                    written.clear()
        except (OutOfStock, SupplierRefused, NoSupplierConfigured) as exc:
            # The item can never be supplied this way: the order fails, with the reason for the operator.
            return await self._fail(order, str(exc))
        except _KeyAlreadyOurs as exc:
            return await self._hold(order, str(exc), written)
        except KeysNotReady as exc:
            # The supplier has taken the order and its keys are pending: give the lease back, so the
            # next job (the supplier's webhook's, or the reconciler's) goes ahead at once.
            log.info("order %s: %s; will retry", order.id, exc)
            await release_order(self._uow, self._clock, order.id, self._lease_owner)
            return FulfillOutcome.RETRY_LATER
        except (SupplierUnavailable, StorageUnavailable) as exc:
            log.warning("order %s: %s; will retry after the lease expires", order.id, exc)
            return FulfillOutcome.RETRY_LATER
        # The last item's keys, the order's completion and the email it owes commit together. The
        # email is sent by SendDeliveryEmails, right after this job and by the reconciler until it
        # goes through.
        paid = paid_at(await self._uow.payments.list_for_order(order.id)) or order.created_at
        async with self._discard_on_conflict(written):
            lease.stamp(order)
            order.complete(self._clock.now())
            await self._uow.orders.save(order)
            await self._uow.fulfillment_requests.mark_done(order.id, self._clock.now())
            await self._uow.emails.add(
                DeliveryEmail.owed(
                    DeliveryEmailKind.ORDER_FULFILLED,
                    order.id,
                    order.email,
                    self._clock.now(),
                    email_id=new_id(),
                )
            )
            await self._uow.commit()
        self._metrics.order_fulfilled(max((self._clock.now() - paid).total_seconds(), 0.0))
        log.info("order %s fulfilled", order.id)
        return FulfillOutcome.FULFILLED

    @asynccontextmanager
    async def _discard_on_conflict(self, written: list[str]) -> AsyncIterator[None]:
        """When the transaction is refused (say, another worker took the order over and delivered
        the item), no key refers to the blobs it wrote, so they go."""
        try:
            yield
        except ConcurrencyConflict:
            await delete_quietly(self._store, written)
            raise

    async def _fulfill_item(
        self,
        order: Order,
        item: OrderItem,
        product: Product,
        recorded: set[tuple[str, str]],
        written: list[str],
        lease: HeldLease,
    ) -> None:
        """Seal, store and record the item's keys and mark it fulfilled, unsaved; the paths of the
        blobs it writes go to `written`. The caller saves the order with the item's commit (the last
        item's with the order's completion, in one UPDATE)."""
        supplier = self._suppliers.get(product.supplier)
        if supplier is None:
            # A product of a supplier this deployment does not run (Kinguin, say): fail the order where
            # the operator sees it, instead of a KeyError that leaves it `fulfilling` on every retry.
            raise NoSupplierConfigured(f"No {product.supplier.value} supplier is configured.")
        supplied = await supplier.obtain(SupplyRequest(order.id, item.id, product, item.quantity))
        # The supplier step can take long. A worker whose heartbeat found the order taken over
        # meanwhile stops here, before it writes any blob; a take-over the heartbeat has not seen yet
        # is refused at the commit (the order's version), and the blobs, all at fresh paths, deleted.
        lease.ensure_held()
        async with self._discard_on_conflict(written):
            for key in supplied:
                if (item.id, key.key_id) not in recorded:
                    await self._seal_and_record(order, item, key, written)
                    recorded.add((item.id, key.key_id))
            order.mark_item_fulfilled(item.id, self._clock.now())
            lease.stamp(order)

    async def _seal_and_record(
        self, order: Order, item: OrderItem, key: SuppliedKey, written: list[str]
    ) -> None:
        """Each sealing has its own id and blob path, so a worker that lost a race can never overwrite
        the blob of the key that was recorded; its own blob is deleted as unreferenced. The path goes
        to `written` before the blob is put, for the caller to delete should its transaction fail."""
        sealed_id = new_id()
        if not key.fingerprinted:
            await self._record_fingerprint(order, item, key, sealed_id)
        sealing = self._sealer.seal(order.id, item.id, item.product_id, key, sealed_id)
        written.append(sealing.path)
        await self._sealer.put(sealing)
        if not await self._sealer.record(sealing, self._clock.now()):
            await self._store.delete(sealing.path)

    async def _record_fingerprint(
        self, order: Order, item: OrderItem, key: SuppliedKey, sealed_id: str
    ) -> None:
        """A supplier's key is fingerprinted as it is delivered, in the transaction that records it.
        One the shop already holds or delivered (docs/stock-integrity.md) raises `_KeyAlreadyOurs`: the item
        is held and the key given to no one. The same key of the same item recorded meanwhile by another run
        is a lost race (`ConcurrencyConflict`), not a second delivery."""
        fingerprint = KeyFingerprint(
            self._fingerprints.of(key.material),
            item.product_id,
            self._clock.now(),
            sealed_key_id=sealed_id,
            order_id=order.id,
            item_id=item.id,
            source_key_id=key.key_id,
        )
        held = (await self._uow.fingerprints.add_many([fingerprint])).get(fingerprint.value)
        if held is None:
            return
        if held.item_id == item.id and held.source_key_id == key.key_id:
            raise ConcurrencyConflict
        raise _KeyAlreadyOurs(
            f"Held: the supplier's key for item {item.id} is already ours ({held.describe()})."
        )

    async def _fail(self, order: Order, reason: str) -> FulfillOutcome:
        await self._uow.rollback()
        fresh = await self._uow.orders.get(order.id)
        if fresh is None:
            return FulfillOutcome.NOT_FOUND
        fresh.fail(reason, self._clock.now())
        await self._uow.orders.save(fresh)
        await self._uow.fulfillment_requests.mark_done(fresh.id, self._clock.now())
        # The customer is told what happens next, once: a retry that fails again owes no second email.
        await self._uow.emails.add(
            DeliveryEmail.owed(
                DeliveryEmailKind.ORDER_FAILED, fresh.id, fresh.email, self._clock.now(), email_id=new_id()
            )
        )
        await self._uow.commit()
        log.warning("order %s failed: %s", order.id, reason)
        return FulfillOutcome.FAILED

    async def _hold(self, order: Order, reason: str, written: list[str]) -> FulfillOutcome:
        """Nothing of the transaction that met the key is kept (its blobs are deleted); the order
        waits in `needs_attention` with the reason, which the operator sees on the order."""
        await self._uow.rollback()
        await delete_quietly(self._store, written)
        fresh = await self._uow.orders.get(order.id)
        if fresh is None:
            return FulfillOutcome.NOT_FOUND
        fresh.hold(reason[:200], self._clock.now())
        await self._uow.orders.save(fresh)
        await self._uow.fulfillment_requests.mark_done(fresh.id, self._clock.now())
        await self._uow.commit()
        log.warning("order %s held for the operator: %s", order.id, reason)
        return FulfillOutcome.NEEDS_ATTENTION
