"""`GET /console`: the overview (docs/console.md): what needs a look now, each count linking to the
orders it counts, and the latest operator actions."""

from datetime import UTC, datetime, timedelta
from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get

from bitloot.application.use_cases.get_overview import GetOverview
from bitloot.application.use_cases.list_operator_actions import ListOperatorActions
from bitloot.domain.order_status import OrderStatus
from bitloot.entrypoints.http.console.current import SignedIn
from bitloot.entrypoints.http.console.order_links import orders_link
from bitloot.entrypoints.http.console.paths import CONSOLE
from bitloot.entrypoints.http.console.presenting import audit_rows, when
from bitloot.entrypoints.http.console.products import LOW_STOCK
from bitloot.entrypoints.http.console.rendering import render

LATEST = 10


def _age(since: datetime | None, now: datetime) -> str:
    if since is None:
        return ""
    minutes = max(int((now - since).total_seconds()) // 60, 0)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"


@get(CONSOLE, summary="Console overview", include_in_schema=False)
async def overview(
    request: Request[Any, Any, Any],
    console: SignedIn,
    use_case: FromDishka[GetOverview],
    audit: FromDishka[ListOperatorActions],
) -> Response[str]:
    """Orders per state today and over 7 days, late, failed and held orders, the backlogs, health,
    open key reports, low stock, and the latest operator actions."""
    view = await use_case.execute()
    now = view.at
    today = now.astimezone(UTC).date()
    week = (now - timedelta(days=7)).astimezone(UTC).date()
    states = [
        {
            "state": status.value,
            "today": view.today.get(status, 0),
            "week": view.last_7_days.get(status, 0),
            "today_href": orders_link(states=[status.value], created_from=today.isoformat()),
            "week_href": orders_link(states=[status.value], created_from=week.isoformat()),
        }
        for status in OrderStatus
    ]

    def marks(listed: Any) -> list[dict[str, str]]:
        return [{"id": m.order_id, "at": when(m.at), "age": _age(m.at, now)} for m in listed.orders]

    context = {
        "title": "Overview",
        "at": when(now),
        "states": states,
        "today_total": sum(view.today.values()),
        "week_total": sum(view.last_7_days.values()),
        "late": {"count": view.paid_not_fulfilled.count, "orders": marks(view.paid_not_fulfilled)},
        "failed": {
            "count": view.failed.count,
            "orders": marks(view.failed),
            "href": orders_link(states=[OrderStatus.FAILED.value]),
        },
        "held": {
            "count": view.needs_attention.count,
            "orders": marks(view.needs_attention),
            "href": orders_link(states=[OrderStatus.NEEDS_ATTENTION.value]),
        },
        "fulfillment": {
            "count": view.fulfillment_backlog.count,
            "oldest": when(view.fulfillment_backlog.oldest_at),
            "age": _age(view.fulfillment_backlog.oldest_at, now),
        },
        "emails": {
            "pending": view.email_backlog.pending,
            "oldest": when(view.email_backlog.oldest_pending_at),
            "age": _age(view.email_backlog.oldest_pending_at, now),
            "failed": view.email_backlog.failed,
        },
        "health": {"ok": view.health.ok, "checks": sorted(view.health.checks.items())},
        "open_key_reports": view.open_key_reports,
        "low_stock_products": view.low_stock_products,
        "low_stock_href": LOW_STOCK,
        "rows": audit_rows(console, await audit.execute(LATEST)),
    }
    return render(request, "console/overview.html.j2", context, console=console)
