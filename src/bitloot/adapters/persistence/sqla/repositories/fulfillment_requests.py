"""The fulfillment outbox (the `FulfillmentRequestRepository` port): a request per order to fulfill,
pending, dispatched to the queue, or done. Requests are order ids (with the context of the request
that opened them), so no row maps to an entity."""

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Select, Table, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Executable

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.fulfillment_requests import (
    FULFILLMENT_REQUESTS,
    REQUEST_ID_LENGTH,
    TRACEPARENT_LENGTH,
)
from bitloot.adapters.persistence.sqla.tables.orders import ORDERS
from bitloot.domain.request_context import NO_REQUEST, RequestContext

PENDING, DISPATCHED, DONE = "pending", "dispatched", "done"


def _opening(insert: Callable[[Table], postgresql.Insert | sqlite.Insert]) -> Executable:
    """Open the order's request, or open it again (a paid order's request reopened) with the values
    given: built once per dialect, as a statement built per call costs more CPU than its round trip."""
    statement = insert(FULFILLMENT_REQUESTS)
    again = {name: statement.excluded[name] for name in ("state", "updated_at", "request_id", "traceparent")}
    return statement.on_conflict_do_update(index_elements=["order_id"], set_=again)


_OPEN = {"postgresql": _opening(postgresql.insert), "sqlite": _opening(sqlite.insert)}


class SqlaFulfillmentRequestRepository(SqlRepository):
    async def add(self, order_id: str, now: datetime, context: RequestContext = NO_REQUEST) -> None:
        opened = {
            "state": PENDING,
            "updated_at": now,
            "request_id": _fitting(context.request_id, REQUEST_ID_LENGTH),
            "traceparent": _fitting(context.traceparent, TRACEPARENT_LENGTH),
        }
        await self._execute(_OPEN[self._dialect], {"order_id": order_id, **opened})

    async def contexts(self, order_ids: Sequence[str]) -> dict[str, RequestContext]:
        if not order_ids:
            return {}
        table = FULFILLMENT_REQUESTS.c
        query = select(table.order_id, table.request_id, table.traceparent).where(
            table.order_id.in_(list(order_ids))
        )
        return {
            row.order_id: RequestContext(row.request_id, row.traceparent)
            for row in await self._execute(query)
        }

    async def mark_dispatched(self, order_id: str, now: datetime) -> None:
        await self._set_state(order_id, DISPATCHED, now, unless=DONE)

    async def mark_done(self, order_id: str, now: datetime) -> None:
        await self._set_state(order_id, DONE, now)

    async def mark_done_many(self, order_ids: Sequence[str], now: datetime) -> None:
        if order_ids:
            await self._execute(
                update(FULFILLMENT_REQUESTS)
                .where(FULFILLMENT_REQUESTS.c.order_id.in_(list(order_ids)))
                .values(state=DONE, updated_at=now)
            )

    async def pending(self, limit: int) -> list[str]:
        query = (
            select(FULFILLMENT_REQUESTS.c.order_id)
            .where(FULFILLMENT_REQUESTS.c.state == PENDING)
            .order_by(FULFILLMENT_REQUESTS.c.updated_at, FULFILLMENT_REQUESTS.c.order_id)
            .limit(limit)
        )
        return list((await self._execute(query)).scalars())

    async def due(self, touched_before: datetime, now: datetime, limit: int) -> list[str]:
        query = (
            due_requests(touched_before, now)
            .order_by(FULFILLMENT_REQUESTS.c.updated_at, FULFILLMENT_REQUESTS.c.order_id)
            .limit(limit)
        )
        return list((await self._execute(query)).scalars())

    async def _set_state(self, order_id: str, state: str, now: datetime, unless: str | None = None) -> None:
        statement = update(FULFILLMENT_REQUESTS).where(FULFILLMENT_REQUESTS.c.order_id == order_id)
        if unless is not None:
            statement = statement.where(FULFILLMENT_REQUESTS.c.state != unless)
        await self._execute(statement.values(state=state, updated_at=now))


def due_requests(touched_before: datetime, now: datetime) -> Select[tuple[str]]:
    """The order ids of the requests `due` returns, unordered: the open requests (by the index on
    `state`), each joined to its order by primary key for the lease. The reconciler's agenda asks
    whether any exists (`reconciler_agenda.py`)."""
    lease_expires_at = ORDERS.c.lease_expires_at
    return (
        select(FULFILLMENT_REQUESTS.c.order_id)
        .join(ORDERS, ORDERS.c.id == FULFILLMENT_REQUESTS.c.order_id)
        .where(
            FULFILLMENT_REQUESTS.c.state.in_([PENDING, DISPATCHED]),
            or_(
                FULFILLMENT_REQUESTS.c.updated_at < touched_before,
                and_(lease_expires_at <= now, FULFILLMENT_REQUESTS.c.updated_at < lease_expires_at),
            ),
        )
    )


def _fitting(value: str | None, length: int) -> str | None:
    """A context that would not fit its column is dropped: it only helps to read the logs, and must
    never fail the transaction that marks an order paid."""
    return value if value is not None and len(value) <= length else None
