"""The operator's order search over committed state merged with the unit's staged writes."""

from collections.abc import Sequence

from bitloot.application.ports.order_search import OrderCriteria, OrderCursor, OrderSummary
from bitloot.domain.order import Order
from tests.fakes.state import MemoryDatabase, StagingUnit


class MemoryOrderSearch:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
        self._db = db
        self._uow = uow

    async def search(
        self, criteria: OrderCriteria, limit: int, after: OrderCursor | None = None
    ) -> Sequence[OrderSummary]:
        orders = {**self._db.orders, **self._uow.staged.orders}.values()
        paid_by = {
            r.order_id
            for r in {**self._db.payments, **self._uow.staged.payments}.values()
            if r.payment_id == criteria.text
        }
        chosen = [o for o in orders if _matches(o, criteria, paid_by, after)]
        chosen.sort(key=lambda o: (o.created_at, o.id), reverse=True)
        return [_summary(o) for o in chosen[: max(limit, 0)]]


def _matches(order: Order, criteria: OrderCriteria, paid_by: set[str], after: OrderCursor | None) -> bool:
    text = criteria.text
    if text and not (
        order.id == text
        or order.email.lower() == text.lower()
        or order.payment_reference == text
        or order.id in paid_by
    ):
        return False
    if criteria.statuses and order.status not in criteria.statuses:
        return False
    if criteria.created_from is not None and order.created_at < criteria.created_from:
        return False
    if criteria.created_to is not None and order.created_at >= criteria.created_to:
        return False
    return after is None or (order.created_at, order.id) < (after.created_at, after.id)


def _summary(order: Order) -> OrderSummary:
    return OrderSummary(
        id=order.id,
        email=order.email,
        status=order.status,
        total=order.total,
        item_count=len(order.items),
        unit_count=sum(item.quantity for item in order.items),
        created_at=order.created_at,
        updated_at=order.updated_at,
        payment_reference=order.payment_reference,
        failure_reason=order.failure_reason,
    )
