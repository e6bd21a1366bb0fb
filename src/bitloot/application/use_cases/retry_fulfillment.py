"""The operator re-queues a failed fulfilment (after importing stock, say), or one held for them,
once it can succeed: a retry that would fail again the same way is refused with the reason."""

from collections import Counter
from collections.abc import Mapping

from bitloot.application.dispatch import dispatch_fulfillment
from bitloot.application.errors import Conflict, NotFound
from bitloot.application.log_context import note_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.application.ports.suppliers import KeySupplier
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind
from bitloot.domain.order import Order
from bitloot.domain.order_actions import OrderAction, applies
from bitloot.domain.product import SupplierKind


class RetryFulfillment:
    def __init__(
        self,
        uow: UnitOfWork,
        queue: FulfillmentQueue,
        clock: Clock,
        suppliers: Mapping[SupplierKind, KeySupplier],
    ) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock
        self._suppliers = suppliers

    async def execute(self, order_id: str, actor: Actor) -> None:
        """Only a `failed` or `needs_attention` order is retried, and only when every unfulfilled
        item can be supplied: its product's supplier is configured and, for own stock, enough units
        are available. Otherwise `Conflict` says why ("2 keys of GAME-1 needed, 0 in stock: import
        keys first") and nothing is written. The request goes through the outbox like a payment's,
        audited (`fulfillment_retried`) in the same transaction."""
        note_order(order_id)
        order = await self._uow.orders.get(order_id)
        if order is None:
            await self._uow.rollback()
            raise NotFound("No such order.")
        try:
            units = await self._check(order)
        except Conflict:
            await self._uow.rollback()
            raise
        now = self._clock.now()
        await self._uow.fulfillment_requests.add(order.id, now, self._queue.current_context())
        await self._uow.operator_actions.add(
            actor.did(
                ActionKind.FULFILLMENT_RETRIED,
                TargetKind.ORDER,
                order.id,
                now,
                f"retried from {order.status.value}: {units} unit(s) to deliver",
            )
        )
        await self._uow.commit()
        await dispatch_fulfillment(self._queue, order.id)

    async def _check(self, order: Order) -> int:
        """The units still owed; raises `Conflict` when the retry cannot succeed now."""
        if not applies(OrderAction.RETRY_FULFILLMENT, order.status):
            raise Conflict(f"Only a failed or held order is retried; this one is {order.status}.")
        delivered = Counter(key.item_id for key in await self._uow.keys.list_for_order(order.id))
        owed: Counter[str] = Counter()
        for item in order.items:
            if not item.is_fulfilled:
                owed[item.product_id] += max(item.quantity - delivered[item.id], 0)
        products = await self._uow.products.get_many(list(owed))
        for product_id, needed in owed.items():
            product = products.get(product_id)
            if product is None:
                raise Conflict("A product of this order no longer exists.")
            if product.supplier not in self._suppliers:
                raise Conflict(
                    f"{product.sku} comes from {product.supplier.value}, and no {product.supplier.value} "
                    "supplier is configured: configure it first."
                )
            if product.supplier is SupplierKind.STOCK:
                available = await self._uow.stock.count_available(product.id)
                if available < needed:
                    raise Conflict(
                        f"{needed} key{'s' if needed != 1 else ''} of {product.sku} needed, "
                        f"{available} in stock: import keys first."
                    )
        return sum(owed.values())
