"""Several paid orders of own stock fulfilled together, in a fixed number of transactions whatever
their number (docs/reliability.md, "Batches").

A worker's jobs arrive in bursts; run one by one, each order costs about twenty round trips to
PostgreSQL, most of them transactions' BEGIN and COMMIT. A batch does what `FulfillOrder` does for
each of its orders, in three transactions for all of them:

1. claim: read the orders and their products, take each one's lease (the same rule as
   `Order.claim`), commit;
2. allocate: own stock for every pending item, committed (`BatchKeySupplier.obtain_many`), then the
   units' blobs read, each key sealed to its order item and written at a fresh path, concurrently;
3. record: the sealed keys, every item's mark, each order's completion, its fulfilment request done
   and the delivery email it owes, committed together.

Exactly once stays as `FulfillOrder` keeps it: each order has its own lease (and heartbeat); the
allocation is idempotent on the item; a key is recorded only with its item's mark and its order's
completion, so a crash anywhere leaves either everything of the batch's third step or nothing of it
(the blobs it wrote are then unreferenced, for the orphan sweeper). What is unusual goes through
`FulfillOrder`, under the batch's lease owner, with its own rules for it: an order of another
supplier, one out of stock or whose stock fails to open, a lost race (any `ConcurrencyConflict`), a
storage outage. The batch's fast path never decides a failure or a hold itself.
"""

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager

from bitloot.application.blob_cleanup import delete_quietly
from bitloot.application.errors import ConcurrencyConflict, StorageUnavailable
from bitloot.application.key_sealing import KeySealer, Sealing
from bitloot.application.lease_heartbeat import HeldLease, LeaseHeartbeat
from bitloot.application.log_context import bound
from bitloot.application.order_claim import Unclaimed, why_refused
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.crypto import KeyVault
from bitloot.application.ports.metrics import ShopMetrics
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.suppliers import BatchKeySupplier, SupplyRequest
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.use_cases.fulfill_order import FulfillmentSettings, FulfillOrder, FulfillOutcome
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind
from bitloot.domain.errors import InvalidValue
from bitloot.domain.ids import new_id
from bitloot.domain.order import Order, OrderItem
from bitloot.domain.payment import paid_at
from bitloot.domain.product import Product, SupplierKind

log = logging.getLogger(__name__)

# Blob writes in flight at once for one batch (as many as its reads: `own_stock.READS_AT_ONCE`).
WRITES_AT_ONCE = 16


class FulfillBatch:
    def __init__(
        self,
        uow: UnitOfWork,
        one_by_one: FulfillOrder,
        stock: BatchKeySupplier,
        vault: KeyVault,
        store: SealedBlobStore,
        clock: Clock,
        heartbeat: LeaseHeartbeat,
        settings: FulfillmentSettings,
        metrics: ShopMetrics,
    ) -> None:
        self._uow = uow
        self._one_by_one = one_by_one
        self._stock = stock
        self._store = store
        self._clock = clock
        self._heartbeat = heartbeat
        self._settings = settings
        self._metrics = metrics
        self._sealer = KeySealer(uow, vault, store)

    async def execute(self, order_id: str) -> FulfillOutcome:
        """One order, as a batch of one (what `FulfillOrder.execute` answers for it)."""
        return (await self.execute_many([order_id]))[order_id]

    async def execute_many(
        self, order_ids: Sequence[str], labels: Mapping[str, Mapping[str, str]] | None = None
    ) -> dict[str, FulfillOutcome]:
        """Every order's outcome, by id; safe to run any number of times, concurrently too.

        `labels` are each order's log fields (`log_context.current()` of the job that asked for it:
        its request and job ids), for the lines about that order."""
        labels = labels or {}
        ids = list(dict.fromkeys(order_ids))
        owner = f"{self._settings.worker_id}:{secrets.token_hex(6)}"
        outcomes: dict[str, FulfillOutcome] = {}
        claimed, products = await self._claim(ids, owner, outcomes)
        if claimed:
            async with self._leases(claimed) as leases:
                outcomes.update(await self._fulfill(claimed, products, leases, labels))
        for order_id in ids:
            if order_id not in outcomes:
                with _about(order_id, labels):
                    outcomes[order_id] = await self._one_by_one.execute(order_id, lease_owner=owner)
        return outcomes

    async def _claim(
        self, ids: list[str], owner: str, outcomes: dict[str, FulfillOutcome]
    ) -> tuple[list[Order], dict[str, Product]]:
        """Take the lease of each order the batch can fulfil, in one transaction; the outcome of those
        with nothing to do goes to `outcomes`, and the rest is left to `FulfillOrder`."""
        try:
            found = await self._uow.orders.get_many(ids)
        except InvalidValue:  # an id no order can have among them: `FulfillOrder` drops it
            await self._uow.rollback()
            return [], {}
        wanted = {item.product_id for order in found.values() for item in _pending(order)}
        products = await self._uow.products.get_many(sorted(wanted))
        now = self._clock.now()
        claimed: list[Order] = []
        finished: list[str] = []
        for order_id in ids:
            order = found.get(order_id)
            if order is None:
                outcomes[order_id] = FulfillOutcome.NOT_FOUND
            elif not _of_own_stock(order, products):
                continue
            elif order.claim(owner, now, self._settings.lease):
                claimed.append(order)
            else:
                if why_refused(order) is Unclaimed.NOTHING_TO_DO:  # its request is closed too
                    finished.append(order_id)
                outcomes[order_id] = FulfillOutcome.SKIPPED
        try:
            await self._uow.orders.save_many(claimed)
            await self._uow.fulfillment_requests.mark_done_many(finished, now)
            await self._uow.commit()
        except ConcurrencyConflict:
            await self._uow.rollback()
            for order_id in (*(order.id for order in claimed), *finished):
                outcomes.pop(order_id, None)
            return [], {}
        for outcome in outcomes.values():
            self._metrics.fulfillment_job_finished(outcome.value)
        return claimed, products

    @asynccontextmanager
    async def _leases(self, orders: list[Order]) -> AsyncIterator[dict[str, HeldLease]]:
        """Each order's lease kept alive by its own heartbeat until the block ends."""
        async with AsyncExitStack() as stack:
            yield {
                order.id: await stack.enter_async_context(self._heartbeat.keep(order, self._settings.lease))
                for order in orders
            }

    async def _fulfill(
        self,
        claimed: list[Order],
        products: Mapping[str, Product],
        leases: Mapping[str, HeldLease],
        labels: Mapping[str, Mapping[str, str]],
    ) -> dict[str, FulfillOutcome]:
        """The outcome of each order fulfilled here; the others are left to `FulfillOrder`."""
        requests = [
            SupplyRequest(order.id, item.id, products[item.product_id], item.quantity)
            for order in claimed
            for item in _pending(order)
        ]
        try:
            supplied = await self._stock.obtain_many(requests)
        except ConcurrencyConflict:  # another allocation took a unit it picked: each order alone
            await self._uow.rollback()
            return {}
        ready = [
            order
            for order in claimed
            if not leases[order.id].lost
            and all(item.id in supplied for item in _pending(order))
            and all(key.fingerprinted for item in _pending(order) for key in supplied[item.id])
        ]
        if not ready:
            return {}
        sealings = [
            self._sealer.seal(order.id, item.id, item.product_id, key)
            for order in ready
            for item in _pending(order)
            for key in supplied[item.id]
        ]
        written: list[str] = []
        try:
            await self._put_all(sealings, written)
            await self._record(ready, sealings, leases, labels)
        except (ConcurrencyConflict, StorageUnavailable):
            # A lost race or an outage: nothing of the third step committed, so no key refers to
            # the blobs written. Each order then goes its own way, where such cases have their rules.
            await self._uow.rollback()
            await delete_quietly(self._store, written)
            return {}
        return dict.fromkeys((order.id for order in ready), FulfillOutcome.FULFILLED)

    async def _put_all(self, sealings: list[Sealing], written: list[str]) -> None:
        """Write every blob, `WRITES_AT_ONCE` at a time; each path goes to `written` before its write."""
        writes = asyncio.Semaphore(WRITES_AT_ONCE)

        async def put(sealing: Sealing) -> None:
            async with writes:
                written.append(sealing.path)
                await self._sealer.put(sealing)

        results = await asyncio.gather(*(put(sealing) for sealing in sealings), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _record(
        self,
        ready: list[Order],
        sealings: list[Sealing],
        leases: Mapping[str, HeldLease],
        labels: Mapping[str, Mapping[str, str]],
    ) -> None:
        """The keys, the items' marks, the completions, the requests done and the emails owed, in one
        transaction. A key refused (another run recorded one from the same source key meanwhile) is
        a lost race: `ConcurrencyConflict`, and nothing is kept."""
        now = self._clock.now()
        recorded = await self._uow.keys.add_many([sealing.sealed_key(now) for sealing in sealings])
        if len(recorded) != len(sealings):
            raise ConcurrencyConflict
        payments = await self._uow.payments.list_for_orders([order.id for order in ready])
        for order in ready:
            for item in _pending(order):
                order.mark_item_fulfilled(item.id, now)
            leases[order.id].stamp(order)
            order.complete(now)
        await self._uow.orders.save_many(ready)
        await self._uow.fulfillment_requests.mark_done_many([order.id for order in ready], now)
        await self._uow.emails.add_many(
            [
                DeliveryEmail.owed(
                    DeliveryEmailKind.ORDER_FULFILLED, order.id, order.email, now, email_id=new_id()
                )
                for order in ready
            ]
        )
        await self._uow.commit()
        for order in ready:
            paid = paid_at(payments.get(order.id, [])) or order.created_at
            self._metrics.order_fulfilled(max((now - paid).total_seconds(), 0.0))
            with _about(order.id, labels):
                log.info("order %s fulfilled", order.id)
            self._metrics.fulfillment_job_finished(FulfillOutcome.FULFILLED.value)


@contextmanager
def _about(order_id: str, labels: Mapping[str, Mapping[str, str]]) -> Iterator[None]:
    """Lines logged inside carry the order and the fields of the job that asked for it."""
    fields = {name: value for name, value in labels.get(order_id, {}).items() if name != "order_id"}
    with bound(order_id=order_id, **fields):
        yield


def _pending(order: Order) -> list[OrderItem]:
    return [item for item in order.items if not item.is_fulfilled]


def _of_own_stock(order: Order, products: Mapping[str, Product]) -> bool:
    """Whether the batch can fulfil the order: it has items left, all of known own-stock products."""
    pending = _pending(order)
    return bool(pending) and all(
        (product := products.get(item.product_id)) is not None and product.supplier is SupplierKind.STOCK
        for item in pending
    )
