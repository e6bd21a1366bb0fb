"""`GET /console/orders`: order search (docs/console.md): one query box (an order id, a customer
email, a payment id), states, a creation window by day (UTC), newest first with a "Next page" link
carrying the cursor and the filters. Bad input shows the form again with a 400 message."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get

from bitloot.application.use_cases.search_orders import SearchOrders, SearchOrdersRequest
from bitloot.domain.errors import InvalidValue
from bitloot.domain.order_status import OrderStatus
from bitloot.entrypoints.http.console.current import SignedIn
from bitloot.entrypoints.http.console.order_links import ORDERS, order_link, orders_link
from bitloot.entrypoints.http.console.presenting import when
from bitloot.entrypoints.http.console.rendering import render
from bitloot.entrypoints.http.presenters import amount

PAGE = 50
MAX_FIELD = 300


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"The {name} date is not a date (YYYY-MM-DD).") from None


def _midnight(day: date | None, *, plus: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=plus)


def _states(values: list[str]) -> frozenset[OrderStatus]:
    try:
        return frozenset(OrderStatus(v) for v in values)
    except ValueError:
        raise InvalidValue("Choose states from the list.") from None


@get(ORDERS, summary="Console orders search", include_in_schema=False)
async def orders_page(
    request: Request[Any, Any, Any], console: SignedIn, use_case: FromDishka[SearchOrders]
) -> Response[str]:
    """Orders newest first, 50 a page: `q` (an order id, an email ignoring case, a payment id),
    `state` (repeated), `from` and `to` (days, UTC, both inclusive), `cursor` (from "Next page")."""
    params = request.query_params
    q = str(params.get("q") or "")[:MAX_FIELD]
    chosen = [str(s)[:MAX_FIELD] for s in params.getall("state", [])][:20]
    created_from = str(params.get("from") or "")[:MAX_FIELD]
    created_to = str(params.get("to") or "")[:MAX_FIELD]
    cursor = str(params.get("cursor") or "")[:2000]
    error = None
    rows: list[dict[str, Any]] = []
    next_href = None
    try:
        page = await use_case.execute(
            SearchOrdersRequest(
                query=q or None,
                statuses=_states(chosen),
                created_from=_midnight(_day(created_from, "from")),
                created_to=_midnight(_day(created_to, "to"), plus=1),
                cursor=cursor or None,
                limit=PAGE,
            )
        )
    except InvalidValue as exc:
        error = str(exc)
    else:
        rows = [
            {
                "id": o.id,
                "href": order_link(o.id),
                "email": o.email,
                "state": o.status.value,
                "total": f"{amount(o.total.amount)} {o.total.currency}",
                "units": f"{o.item_count} item(s), {o.unit_count} unit(s)",
                "created": when(o.created_at),
            }
            for o in page.orders
        ]
        if page.next:
            next_href = orders_link(
                q=q, states=chosen, created_from=created_from, created_to=created_to, cursor=page.next
            )
    context = {
        "title": "Orders",
        "q": q,
        "states": [
            {"value": s.value, "label": s.value.replace("_", " "), "on": s.value in chosen}
            for s in OrderStatus
        ],
        "created_from": created_from,
        "created_to": created_to,
        "rows": rows,
        "next_href": next_href,
        "first_href": orders_link(q=q, states=chosen, created_from=created_from, created_to=created_to)
        if cursor
        else None,
        "error": error,
    }
    return render(
        request, "console/orders.html.j2", context, console=console, status_code=400 if error else 200
    )
