"""The operator's overview figures over committed state merged with the unit's staged writes."""

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from bitloot.application.ports.operations_overview import Backlog, EmailBacklog, OrderMark, RequestState
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailStatus
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentOutcome, PaymentRecord, PaymentStatus
from tests.fakes.state import FulfillmentRequestRow, MemoryDatabase, StagingUnit

_WAITING = (OrderStatus.PAID, OrderStatus.FULFILLING)


class MemoryOperationsOverview:
    def __init__(self, db: MemoryDatabase, uow: StagingUnit) -> None:
        self._db = db
        self._uow = uow

    async def created_per_status(self, since: datetime) -> Mapping[OrderStatus, int]:
        return Counter(o.status for o in self._orders() if o.created_at >= since)

    async def count_in(self, statuses: Collection[OrderStatus]) -> Mapping[OrderStatus, int]:
        return Counter(o.status for o in self._orders() if o.status in statuses)

    async def paid_unfulfilled(self, paid_before: datetime, limit: int) -> tuple[int, Sequence[OrderMark]]:
        paid_at: dict[str, datetime] = {}
        for record in self._payments():
            if record.outcome is PaymentOutcome.APPLIED and record.status is PaymentStatus.FINISHED:
                paid_at[record.order_id] = min(
                    record.received_at, paid_at.get(record.order_id, record.received_at)
                )
        late = sorted(
            (
                OrderMark(o.id, paid_at.get(o.id, o.created_at))
                for o in self._orders()
                if o.status in _WAITING
            ),
            key=lambda mark: (mark.at, mark.order_id),
        )
        late = [mark for mark in late if mark.at < paid_before]
        return len(late), late[: max(limit, 0)]

    async def latest_in(self, status: OrderStatus, limit: int) -> Sequence[OrderMark]:
        chosen = sorted(
            (o for o in self._orders() if o.status is status),
            key=lambda o: (o.updated_at, o.id),
            reverse=True,
        )
        return [OrderMark(o.id, o.updated_at) for o in chosen[: max(limit, 0)]]

    async def fulfillment_backlog(self) -> Backlog:
        open_requests = [r for r in self._requests() if r.state != "done"]
        return Backlog(len(open_requests), min((r.updated_at for r in open_requests), default=None))

    async def email_backlog(self) -> EmailBacklog:
        emails = self._emails()
        pending = [e for e in emails if e.status is DeliveryEmailStatus.PENDING]
        failed = sum(1 for e in emails if e.status is DeliveryEmailStatus.FAILED)
        return EmailBacklog(len(pending), min((e.created_at for e in pending), default=None), failed)

    async def request_of(self, order_id: str) -> RequestState | None:
        row = self._uow.staged.requests.get(order_id) or self._db.requests.get(order_id)
        return None if row is None else RequestState(row.state, row.updated_at)

    def _orders(self) -> list[Order]:
        return list({**self._db.orders, **self._uow.staged.orders}.values())

    def _payments(self) -> list[PaymentRecord]:
        return list({**self._db.payments, **self._uow.staged.payments}.values())

    def _requests(self) -> list[FulfillmentRequestRow]:
        return list({**self._db.requests, **self._uow.staged.requests}.values())

    def _emails(self) -> list[DeliveryEmail]:
        return list({**self._db.emails, **self._uow.staged.emails}.values())
