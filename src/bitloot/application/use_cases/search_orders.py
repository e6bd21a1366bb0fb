"""The operator searches orders (docs/console.md): one query box (an order id, a customer email or a
payment id), filters by state and creation date, newest first, in keyset pages with an opaque
`next` cursor."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bitloot.application.page_cursor import decode_cursor, encode_cursor
from bitloot.application.ports.order_search import OrderCriteria, OrderCursor, OrderSummary
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.errors import InvalidValue
from bitloot.domain.order_status import OrderStatus

MAX_PAGE = 100
MAX_QUERY_LENGTH = 254


@dataclass(frozen=True, slots=True)
class SearchOrdersRequest:
    query: str | None = None
    statuses: frozenset[OrderStatus] = field(default_factory=frozenset)
    created_from: datetime | None = None
    created_to: datetime | None = None
    # The `next` of the previous page; None for the first.
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: Sequence[OrderSummary]
    # Pass back as `cursor` for the next page; None on the last page.
    next: str | None


class SearchOrders:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, request: SearchOrdersRequest) -> OrderPage:
        """Raises `InvalidValue` for a page size outside 1..100, a query that is too long or holds
        control characters, a date range that ends before it starts, or a cursor that is not one
        this search gave (each a 400)."""
        criteria = OrderCriteria(
            text=_query_text(request.query),
            statuses=request.statuses,
            created_from=request.created_from,
            created_to=request.created_to,
        )
        if not 1 <= request.limit <= MAX_PAGE:
            raise InvalidValue(f"A page holds 1 to {MAX_PAGE} orders.")
        if request.created_from and request.created_to and request.created_to < request.created_from:
            raise InvalidValue("The date range ends before it starts.")
        after = OrderCursor(*decode_cursor(request.cursor)) if request.cursor is not None else None
        found = list(await self._uow.order_search.search(criteria, request.limit + 1, after))
        await self._uow.rollback()
        page = found[: request.limit]
        more = len(found) > request.limit
        return OrderPage(page, encode_cursor(page[-1].created_at, page[-1].id) if more else None)


def _query_text(query: str | None) -> str | None:
    text = (query or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidValue(f"A search is at most {MAX_QUERY_LENGTH} characters.")
    if any(not ch.isprintable() for ch in text):
        raise InvalidValue("A search holds no control characters.")
    return text or None
