"""Read models over the committed state of a `MemoryDatabase`."""

from bitloot.application.ports.order_page import OrderPageLine, OrderPageView, PartialPayment
from bitloot.application.ports.read_models import ItemProgress, OrderProgress
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentOutcome, PaymentStatus
from tests.fakes.state import MemoryDatabase


class MemoryOrderProgressReader:
    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database

    async def progress(self, order_id: str) -> OrderProgress | None:
        order = self._database.orders.get(order_id)
        if order is None:
            return None
        return OrderProgress(
            order_id=order.id,
            status=order.status,
            access_token_hash=order.access_token_hash,
            fulfilled_at=order.fulfilled_at,
            updated_at=order.updated_at,
            items=tuple(
                ItemProgress(item.id, item.product_id, item.quantity, item.fulfilled_at)
                for item in order.items
            ),
        )


class MemoryOrderPageReader:
    """`OrderPageReader` over the committed state: the same view as the SQL one."""

    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database

    async def order_page(self, order_id: str) -> OrderPageView | None:
        order = self._database.orders.get(order_id)
        if order is None:
            return None
        products = self._database.products
        return OrderPageView(
            order_id=order.id,
            status=order.status,
            currency=order.currency,
            lines=tuple(
                OrderPageLine(
                    item.product_id,
                    products[item.product_id].name if item.product_id in products else None,
                    item.quantity,
                    item.unit_price,
                )
                for item in order.items
            ),
            payment_url=order.payment_url,
            reveal_count=order.reveal_count,
            created_at=order.created_at,
            fulfilled_at=order.fulfilled_at,
            partial_payment=self._partial(order.id) if order.status is OrderStatus.UNDERPAID else None,
        )

    def _partial(self, order_id: str) -> PartialPayment | None:
        counted = (PaymentOutcome.APPLIED, PaymentOutcome.NO_CHANGE)
        partial = [
            p
            for p in self._database.payments.values()
            if p.order_id == order_id and p.status is PaymentStatus.PARTIALLY_PAID and p.outcome in counted
        ]
        if not partial:
            return None
        latest = max(partial, key=lambda p: (p.received_at, p.id))
        return PartialPayment(latest.actually_paid, latest.pay_amount, latest.pay_currency)
