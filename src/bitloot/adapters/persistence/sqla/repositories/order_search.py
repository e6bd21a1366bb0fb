"""The operator's order search (the `OrderSearch` port): one statement for a page of orders, one
for their items, whatever the page size (docs/console.md)."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, union

from bitloot.adapters.persistence.sqla.repositories.base import SqlRepository
from bitloot.adapters.persistence.sqla.tables.base import exact
from bitloot.adapters.persistence.sqla.tables.orders import ORDER_ITEMS, ORDERS
from bitloot.adapters.persistence.sqla.tables.payments import PAYMENTS
from bitloot.application.ports.order_search import OrderCriteria, OrderCursor, OrderSummary
from bitloot.domain.money import Money
from bitloot.domain.order_status import OrderStatus

_O = ORDERS.c
_I = ORDER_ITEMS.c


class SqlaOrderSearch(SqlRepository):
    async def search(
        self, criteria: OrderCriteria, limit: int, after: OrderCursor | None = None
    ) -> Sequence[OrderSummary]:
        if limit <= 0:
            return []
        query = (
            select(
                _O.id,
                _O.email,
                _O.status,
                _O.currency,
                _O.created_at,
                _O.updated_at,
                _O.payment_reference,
                _O.failure_reason,
            )
            .where(*_conditions(criteria, after))
            .order_by(_O.created_at.desc(), _O.id.desc())
            .limit(limit)
        )
        orders = list((await self._execute(query)).mappings())
        if not orders:
            return []
        items = select(_I.order_id, _I.quantity, _I.unit_price, _I.currency).where(
            _I.order_id.in_([row["id"] for row in orders])
        )
        lines: dict[str, list[Any]] = defaultdict(list)
        for line in (await self._execute(items)).mappings():
            lines[line["order_id"]].append(line)
        return [_summary(row, lines[row["id"]]) for row in orders]


def _conditions(criteria: OrderCriteria, after: OrderCursor | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.text:
        text = criteria.text
        # Each way to match reads its own index (the primary key, lower(email), payment_reference,
        # the payments' payment_id: migration 0013); their union is a handful of ids, so the page
        # is read from those rather than by walking every order newest first (an OR of the four
        # did that: 0.2 to 0.4 s over 300,000 orders on PostgreSQL, against under 1 ms).
        matching = union(
            select(_O.id).where(_O.id == text),
            select(_O.id).where(func.lower(_O.email) == text.lower()),
            select(_O.id).where(_O.payment_reference == text),
            select(PAYMENTS.c.order_id).where(PAYMENTS.c.payment_id == text),
        )
        conditions.append(_O.id.in_(matching))
    if criteria.statuses:
        conditions.append(_O.status.in_(sorted(s.value for s in criteria.statuses)))
    if criteria.created_from is not None:
        conditions.append(_O.created_at >= criteria.created_from)
    if criteria.created_to is not None:
        conditions.append(_O.created_at < criteria.created_to)
    if after is not None:
        # Strictly after (created_at, id) newest first; `created_at <= ...` lets the index on
        # created_at start at the cursor instead of at the newest order.
        conditions.append(_O.created_at <= after.created_at)
        conditions.append(
            or_(_O.created_at < after.created_at, and_(_O.created_at == after.created_at, _O.id < after.id))
        )
    return conditions


def _summary(row: Any, lines: list[Any]) -> OrderSummary:
    total = Money.of(0, row["currency"])
    for line in lines:
        total = total.plus(Money(exact(line["unit_price"]), line["currency"]).times(line["quantity"]))
    return OrderSummary(
        id=row["id"],
        email=row["email"],
        status=OrderStatus(row["status"]),
        total=total,
        item_count=len(lines),
        unit_count=sum(line["quantity"] for line in lines),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        payment_reference=row["payment_reference"],
        failure_reason=row["failure_reason"],
    )
