"""`/console/orders/{id}`: one order (docs/console.md): its summary, keys (metadata only), timeline,
and the operator's actions on it: retry the fulfilment, resend the delivery email, replace a key,
mark it refunded (owners). Each action redirects back with a message; a refusal shows its reason on
the page with a 4xx and changes nothing."""

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get, post
from litestar.params import FromPath

from bitloot.application.errors import NotFound
from bitloot.application.use_cases.get_order_details import GetOrderDetails
from bitloot.application.use_cases.get_order_timeline import GetOrderTimeline
from bitloot.application.use_cases.mark_refunded import MarkRefunded
from bitloot.application.use_cases.replace_key import ReplaceKey, ReplaceKeyRequest
from bitloot.application.use_cases.resend_delivery_email import ResendDeliveryEmail
from bitloot.application.use_cases.retry_fulfillment import RetryFulfillment
from bitloot.domain.operators import Permission
from bitloot.entrypoints.http.console.actions import act
from bitloot.entrypoints.http.console.current import SignedIn
from bitloot.entrypoints.http.console.order_links import ORDERS, order_link
from bitloot.entrypoints.http.console.order_presenting import key_rows, offers, summary, timeline_rows
from bitloot.entrypoints.http.console.rendering import render

ORDER = ORDERS + "/{order_id:str}"
MAX_FIELD = 300


async def _page(
    request: Request[Any, Any, Any],
    console: SignedIn,
    order_id: str,
    details: GetOrderDetails,
    timeline: GetOrderTimeline,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response[str]:
    try:
        found = await details.execute(order_id)
        history = await timeline.execute(order_id)
    except NotFound:
        missing = {"title": "No such order", "order_id": order_id[:MAX_FIELD]}
        return render(request, "console/order_missing.html.j2", missing, console=console, status_code=404)
    context: dict[str, object] = {
        "title": f"Order {found.order.id}",
        "order": summary(found),
        "keys": key_rows(found),
        "entries": timeline_rows(console, history),
        "note": history.note,
        "action": order_link(found.order.id),
        "offers": offers(console, found),
        "error": error,
    }
    return render(request, "console/order.html.j2", context, console=console, status_code=status_code)


def _act(
    request: Request[Any, Any, Any],
    console: SignedIn,
    order_id: str,
    details: GetOrderDetails,
    timeline: GetOrderTimeline,
    permission: Permission,
    action: Callable[[], Awaitable[object]],
    done: str,
) -> Awaitable[Response[Any]]:
    """An action on the order: back to its page saying what was done, or its page with the reason."""
    return act(
        console,
        permission,
        action,
        refused=partial(_page, request, console, order_id, details, timeline),
        then=lambda _: f"{order_link(order_id)}?done={done}",
    )


def _field(form: Any, name: str) -> str:
    return str(form.get(name) or "")[:MAX_FIELD]


@get(ORDER, summary="Console order page", include_in_schema=False)
async def order_page(
    request: Request[Any, Any, Any],
    console: SignedIn,
    order_id: FromPath[str],
    details: FromDishka[GetOrderDetails],
    timeline: FromDishka[GetOrderTimeline],
) -> Response[str]:
    """The order's summary, its keys (metadata, never a key), its timeline oldest first, and the
    forms of the actions the operator's role may take."""
    return await _page(request, console, order_id, details, timeline)


@post(ORDER + "/retry", summary="Retry an order's fulfilment", include_in_schema=False)
async def retry(
    request: Request[Any, Any, Any],
    console: SignedIn,
    order_id: FromPath[str],
    use_case: FromDishka[RetryFulfillment],
    details: FromDishka[GetOrderDetails],
    timeline: FromDishka[GetOrderTimeline],
) -> Response[Any]:
    """Queues the fulfilment of a failed or held order again; refused (409, with the reason) when it
    would fail the same way."""
    return await _act(
        request,
        console,
        order_id,
        details,
        timeline,
        Permission.RETRY_FULFILLMENT,
        lambda: use_case.execute(order_id, console.actor),
        "retried",
    )


@post(ORDER + "/resend", summary="Resend an order's delivery email", include_in_schema=False)
async def resend(
    request: Request[Any, Any, Any],
    console: SignedIn,
    order_id: FromPath[str],
    use_case: FromDishka[ResendDeliveryEmail],
    details: FromDishka[GetOrderDetails],
    timeline: FromDishka[GetOrderTimeline],
) -> Response[Any]:
    """Queues the delivery email of a fulfilled order again."""
    return await _act(
        request,
        console,
        order_id,
        details,
        timeline,
        Permission.RESEND_EMAIL,
        lambda: use_case.execute(order_id, console.actor),
        "resent",
    )


@post(ORDER + "/keys/{key_id:str}/replace", summary="Replace a delivered key", include_in_schema=False)
async def replace(
    request: Request[Any, Any, Any],
    console: SignedIn,
    order_id: FromPath[str],
    key_id: FromPath[str],
    use_case: FromDishka[ReplaceKey],
    details: FromDishka[GetOrderDetails],
    timeline: FromDishka[GetOrderTimeline],
) -> Response[Any]:
    """Revokes the key `key_id` of the order and delivers a new one from stock, with the `reason`."""
    reason = _field(await request.form(), "reason")
    return await _act(
        request,
        console,
        order_id,
        details,
        timeline,
        Permission.REPLACE_KEY,
        lambda: use_case.execute(ReplaceKeyRequest(console.actor, reason, order_id=order_id, key_id=key_id)),
        "replaced",
    )


@post(ORDER + "/refund", summary="Mark an order refunded", include_in_schema=False)
async def refund(
    request: Request[Any, Any, Any],
    console: SignedIn,
    order_id: FromPath[str],
    use_case: FromDishka[MarkRefunded],
    details: FromDishka[GetOrderDetails],
    timeline: FromDishka[GetOrderTimeline],
) -> Response[Any]:
    """Marks the order refunded (owners), with the `reason` (required)."""
    reason = _field(await request.form(), "reason")
    return await _act(
        request,
        console,
        order_id,
        details,
        timeline,
        Permission.MARK_REFUNDED,
        lambda: use_case.execute(order_id, reason, console.actor),
        "refunded",
    )
