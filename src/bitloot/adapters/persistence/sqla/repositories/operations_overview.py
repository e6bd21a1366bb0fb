"""The operator's overview (the `OperationsOverview` port): each figure one grouped statement."""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import and_, func, select

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.email_outbox import EMAIL_OUTBOX
from bitloot.adapters.persistence.sqla.tables.fulfillment_requests import FULFILLMENT_REQUESTS
from bitloot.adapters.persistence.sqla.tables.orders import ORDERS
from bitloot.adapters.persistence.sqla.tables.payments import PAYMENTS
from bitloot.application.ports.operations_overview import Backlog, EmailBacklog, OrderMark, RequestState
from bitloot.domain.delivery_email import DeliveryEmailStatus
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentOutcome, PaymentStatus

_O = ORDERS.c
_R = FULFILLMENT_REQUESTS.c
_E = EMAIL_OUTBOX.c
_WAITING = (OrderStatus.PAID.value, OrderStatus.FULFILLING.value)


class SqlaOperationsOverview(SqlRepository):
    async def created_per_status(self, since: datetime) -> Mapping[OrderStatus, int]:
        query = select(_O.status, func.count()).where(_O.created_at >= since).group_by(_O.status)
        return {OrderStatus(status): count for status, count in await self._execute(query)}

    async def count_in(self, statuses: Collection[OrderStatus]) -> Mapping[OrderStatus, int]:
        if not statuses:
            return {}
        query = (
            select(_O.status, func.count())
            .where(_O.status.in_(sorted(s.value for s in statuses)))
            .group_by(_O.status)
        )
        return {OrderStatus(status): count for status, count in await self._execute(query)}

    async def paid_unfulfilled(self, paid_before: datetime, limit: int) -> tuple[int, Sequence[OrderMark]]:
        paid = (
            select(PAYMENTS.c.order_id, func.min(PAYMENTS.c.received_at).label("paid_at"))
            .where(
                PAYMENTS.c.outcome == PaymentOutcome.APPLIED.value,
                PAYMENTS.c.status == PaymentStatus.FINISHED.value,
            )
            .group_by(PAYMENTS.c.order_id)
            .subquery()
        )
        paid_at = func.coalesce(paid.c.paid_at, _O.created_at).label("paid_at")
        waiting = (
            select(_O.id, paid_at)
            .select_from(ORDERS.outerjoin(paid, paid.c.order_id == _O.id))
            .where(_O.status.in_(_WAITING))
            .subquery()
        )
        late = and_(waiting.c.paid_at < paid_before)
        count = (await self._execute(select(func.count()).select_from(waiting).where(late))).scalar_one()
        oldest = (
            select(waiting.c.id, waiting.c.paid_at)
            .where(late)
            .order_by(waiting.c.paid_at, waiting.c.id)
            .limit(max(limit, 0))
        )
        return count, [OrderMark(order_id, at) for order_id, at in await self._execute(oldest)]

    async def latest_in(self, status: OrderStatus, limit: int) -> Sequence[OrderMark]:
        query = (
            select(_O.id, _O.updated_at)
            .where(_O.status == status.value)
            .order_by(_O.updated_at.desc(), _O.id.desc())
            .limit(max(limit, 0))
        )
        return [OrderMark(order_id, at) for order_id, at in await self._execute(query)]

    async def fulfillment_backlog(self) -> Backlog:
        query = select(func.count(), func.min(_R.updated_at)).where(_R.state != "done")
        count, oldest = (await self._execute(query)).one()
        return Backlog(count, oldest)

    async def email_backlog(self) -> EmailBacklog:
        query = (
            select(_E.status, func.count(), func.min(_E.created_at))
            .where(_E.status.in_([DeliveryEmailStatus.PENDING.value, DeliveryEmailStatus.FAILED.value]))
            .group_by(_E.status)
        )
        rows = {status: (count, oldest) for status, count, oldest in await self._execute(query)}
        pending, oldest_pending = rows.get(DeliveryEmailStatus.PENDING.value, (0, None))
        failed, _ = rows.get(DeliveryEmailStatus.FAILED.value, (0, None))
        return EmailBacklog(pending, oldest_pending, failed)

    async def request_of(self, order_id: str) -> RequestState | None:
        query = select(_R.state, _R.updated_at).where(_R.order_id == order_id)
        row = (await self._execute(query)).first()
        return None if row is None else RequestState(row[0], row[1])
