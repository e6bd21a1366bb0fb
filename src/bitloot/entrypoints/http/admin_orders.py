"""The operator's order endpoints behind the admin token (docs/http-api.md, docs/console.md): order
search, one order's timeline, and the overview the console's front page shows."""

from datetime import datetime
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get
from litestar.params import FromPath, FromQuery, QueryParameter

from bitloot.application.ports.operations_overview import Backlog
from bitloot.application.use_cases.get_order_timeline import GetOrderTimeline, OrderTimeline
from bitloot.application.use_cases.get_overview import GetOverview, Listed, Overview
from bitloot.application.use_cases.search_orders import MAX_PAGE, OrderPage, SearchOrders, SearchOrdersRequest
from bitloot.domain.errors import InvalidValue
from bitloot.domain.order_status import OrderStatus
from bitloot.entrypoints.http import admin_orders_schemas as o
from bitloot.entrypoints.http.api_docs import ADMIN_TOKEN
from bitloot.entrypoints.http.auth import admin_guard
from bitloot.entrypoints.http.presenters import amount

PageSize = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]


class AdminOrdersController(Controller):
    path = "/admin"
    guards = [admin_guard]
    tags = ["operator"]
    security = [{ADMIN_TOKEN: []}]

    @get("/orders/search", summary="Search orders")
    async def search_orders(
        self,
        use_case: FromDishka[SearchOrders],
        q: FromQuery[str | None] = None,
        status: FromQuery[list[OrderStatus] | None] = None,
        created_from: Annotated[datetime | None, QueryParameter(name="createdFrom")] = None,
        created_to: Annotated[datetime | None, QueryParameter(name="createdTo")] = None,
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 50,
    ) -> o.OrderSearchOut:
        """Orders newest first, in keyset pages. `q` matches an order id (exact), a customer email
        (exact, ignoring case) or a payment id (the order's invoice id or a payment record's provider
        payment id); `status` may repeat; `createdFrom` is inclusive, `createdTo` exclusive (ISO 8601
        with a zone). Pass `next` back as `cursor` for the following page; a cursor this API did
        not give is a 400."""
        page = await use_case.execute(
            SearchOrdersRequest(
                query=q,
                statuses=frozenset(status or ()),
                created_from=_aware(created_from),
                created_to=_aware(created_to),
                cursor=cursor,
                limit=limit,
            )
        )
        return search_out(page)

    @get("/orders/{order_id:str}/timeline", summary="One order as a timeline")
    async def order_timeline(
        self, order_id: FromPath[str], use_case: FromDishka[GetOrderTimeline]
    ) -> o.OrderTimelineOut:
        """Everything recorded about one order, oldest first: placed, payment request, webhook
        deliveries, payment records, derived state changes, fulfilment request, keys delivered
        (metadata only, never a key), the delivery email, reveals and operator actions."""
        return timeline_out(await use_case.execute(order_id))

    @get("/overview", summary="Operations overview")
    async def overview(self, use_case: FromDishka[GetOverview]) -> o.OverviewOut:
        """Orders per state today (UTC) and over 7 days, paid orders not fulfilled within 5 minutes,
        failed and held orders, the fulfilment and email backlogs, and each dependency's health."""
        return overview_out(await use_case.execute())


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise InvalidValue("A date needs its time zone (such as Z).")
    return moment


def search_out(page: OrderPage) -> o.OrderSearchOut:
    return o.OrderSearchOut(
        orders=[
            o.OrderSummaryOut(
                id=summary.id,
                email=summary.email,
                status=summary.status.value,
                total=amount(summary.total.amount),
                currency=summary.total.currency,
                item_count=summary.item_count,
                unit_count=summary.unit_count,
                created_at=summary.created_at,
                updated_at=summary.updated_at,
                payment_reference=summary.payment_reference,
                failure_reason=summary.failure_reason,
            )
            for summary in page.orders
        ],
        next=page.next,
    )


def timeline_out(timeline: OrderTimeline) -> o.OrderTimelineOut:
    return o.OrderTimelineOut(
        order_id=timeline.order.id,
        status=timeline.order.status.value,
        entries=[
            o.TimelineEntryOut(
                at=entry.at,
                kind=entry.kind.value,
                title=entry.title,
                outcome=entry.outcome,
                detail=dict(entry.detail),
            )
            for entry in timeline.entries
        ],
        note=timeline.note,
    )


def _age(since: datetime | None, now: datetime) -> int | None:
    return None if since is None else max(int((now - since).total_seconds()), 0)


def _backlog(backlog: Backlog, now: datetime) -> o.BacklogOut:
    return o.BacklogOut(backlog.count, backlog.oldest_at, _age(backlog.oldest_at, now))


def _listed(listed: Listed) -> o.ListedOut:
    return o.ListedOut(listed.count, [o.OrderMarkOut(m.order_id, m.at) for m in listed.orders])


def overview_out(view: Overview) -> o.OverviewOut:
    emails = view.email_backlog
    return o.OverviewOut(
        at=view.at,
        today={status.value: n for status, n in view.today.items()},
        last_7_days={status.value: n for status, n in view.last_7_days.items()},
        paid_not_fulfilled=_listed(view.paid_not_fulfilled),
        failed=_listed(view.failed),
        needs_attention=_listed(view.needs_attention),
        fulfillment_backlog=_backlog(view.fulfillment_backlog, view.at),
        email_backlog=o.EmailBacklogOut(
            emails.pending, emails.oldest_pending_at, _age(emails.oldest_pending_at, view.at), emails.failed
        ),
        health=o.HealthOut(view.health.ok, dict(view.health.checks)),
        open_key_reports=view.open_key_reports,
        low_stock_products=view.low_stock_products,
    )
