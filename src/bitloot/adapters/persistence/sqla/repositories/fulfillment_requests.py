"""The fulfillment outbox (the `FulfillmentRequestRepository` port): a request per order to fulfill,
pending, dispatched to the queue, or done. Requests are order ids, so no row maps to an entity."""

from datetime import datetime

from sqlalchemy import and_, or_, select, update

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.fulfillment_requests import FULFILLMENT_REQUESTS
from bitloot.adapters.persistence.sqla.tables.orders import ORDERS

PENDING, DISPATCHED, DONE = "pending", "dispatched", "done"


class SqlaFulfillmentRequestRepository(SqlRepository):
    async def add(self, order_id: str, now: datetime) -> None:
        statement = self._insert(FULFILLMENT_REQUESTS).values(
            order_id=order_id, state=PENDING, updated_at=now
        )
        await self._execute(
            statement.on_conflict_do_update(
                index_elements=["order_id"], set_={"state": PENDING, "updated_at": now}
            )
        )

    async def mark_dispatched(self, order_id: str, now: datetime) -> None:
        await self._set_state(order_id, DISPATCHED, now, unless=DONE)

    async def mark_done(self, order_id: str, now: datetime) -> None:
        await self._set_state(order_id, DONE, now)

    async def pending(self, limit: int) -> list[str]:
        query = (
            select(FULFILLMENT_REQUESTS.c.order_id)
            .where(FULFILLMENT_REQUESTS.c.state == PENDING)
            .order_by(FULFILLMENT_REQUESTS.c.updated_at, FULFILLMENT_REQUESTS.c.order_id)
            .limit(limit)
        )
        return list((await self._execute(query)).scalars())

    async def due(self, touched_before: datetime, now: datetime, limit: int) -> list[str]:
        """One query: the open requests (by the index on `state`), each joined to its order by
        primary key for the lease."""
        lease_expires_at = ORDERS.c.lease_expires_at
        query = (
            select(FULFILLMENT_REQUESTS.c.order_id)
            .join(ORDERS, ORDERS.c.id == FULFILLMENT_REQUESTS.c.order_id)
            .where(
                FULFILLMENT_REQUESTS.c.state.in_([PENDING, DISPATCHED]),
                or_(
                    FULFILLMENT_REQUESTS.c.updated_at < touched_before,
                    and_(lease_expires_at <= now, FULFILLMENT_REQUESTS.c.updated_at < lease_expires_at),
                ),
            )
            .order_by(FULFILLMENT_REQUESTS.c.updated_at, FULFILLMENT_REQUESTS.c.order_id)
            .limit(limit)
        )
        return list((await self._execute(query)).scalars())

    async def _set_state(self, order_id: str, state: str, now: datetime, unless: str | None = None) -> None:
        statement = update(FULFILLMENT_REQUESTS).where(FULFILLMENT_REQUESTS.c.order_id == order_id)
        if unless is not None:
            statement = statement.where(FULFILLMENT_REQUESTS.c.state != unless)
        await self._execute(statement.values(state=state, updated_at=now))
