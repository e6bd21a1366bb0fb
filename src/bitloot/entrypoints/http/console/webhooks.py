"""`/console/webhooks`: the webhook inbox, newest first, filtered and in keyset pages; one delivery
with its body as text (never its signature); replaying it (docs/console.md, docs/http-api.md)."""

from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote, urlencode

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from bitloot.application.use_cases.get_webhook_delivery import GetWebhookDelivery
from bitloot.application.use_cases.list_webhook_deliveries import ListWebhookDeliveries
from bitloot.application.use_cases.replay_webhook import ReplayWebhook
from bitloot.domain.errors import InvalidValue, Refusal
from bitloot.domain.operators import Permission
from bitloot.domain.webhook import PROVIDERS, WebhookDelivery
from bitloot.entrypoints.http.console.current import Console, SignedIn
from bitloot.entrypoints.http.console.presenting import when
from bitloot.entrypoints.http.console.refusals import refusal_status
from bitloot.entrypoints.http.console.rendering import render

WEBHOOKS: Final = "/console/webhooks"
PAGE: Final = 50
MAX_FIELD: Final = 200
FILTERS: Final = ("provider", "outcome", "received_from", "received_to")


def _moment(text: str, name: str) -> datetime | None:
    """A filter time: ISO 8601, with its zone or read as UTC (what a `datetime-local` field sends)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"{name} is not a date and time such as 2026-12-01T09:30.") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _row(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "received": when(delivery.received_at),
        "provider": delivery.provider,
        "event": delivery.event,
        "outcome": delivery.outcome,
        "signature_valid": delivery.signature_valid,
        "order_id": delivery.order_id,
        "replayed_from": delivery.replayed_from,
    }


@get(WEBHOOKS, summary="Console webhook inbox", include_in_schema=False)
async def webhooks_page(
    request: Request[Any, Any, Any], console: SignedIn, inbox: FromDishka[ListWebhookDeliveries]
) -> Response[str]:
    """The inbox newest first: provider, outcome and a received window (UTC) to filter by, and a
    "Next page" link; a bad filter or cursor shows the form again with a 400."""
    chosen = {name: str(request.query_params.get(name) or "")[:MAX_FIELD].strip() for name in FILTERS}
    cursor = request.query_params.get("cursor") or None
    rows: list[dict[str, Any]] = []
    next_link = None
    error = None
    try:
        if chosen["provider"] and chosen["provider"] not in PROVIDERS:
            raise InvalidValue("Choose a provider from the list.")
        page = await inbox.page(
            chosen["provider"] or None,
            PAGE,
            outcome=chosen["outcome"] or None,
            received_from=_moment(chosen["received_from"], "Received from"),
            received_to=_moment(chosen["received_to"], "Received before"),
            cursor=cursor,
        )
    except Refusal as exc:
        error = str(exc)
    else:
        rows = [_row(d) for d in page.deliveries]
        if page.next:
            query = {k: v for k, v in chosen.items() if v} | {"cursor": page.next}
            next_link = f"{WEBHOOKS}?{urlencode(query)}"
    context = {
        "title": "Webhook inbox",
        "rows": rows,
        "providers": PROVIDERS,
        "chosen": chosen,
        "next_link": next_link,
        "error": error,
    }
    return render(
        request,
        "console/webhooks.html.j2",
        context,
        console=console,
        status_code=400 if error else 200,
    )


async def _delivery_page(
    request: Request[Any, Any, Any],
    console: Console,
    delivery: WebhookDelivery,
    *,
    flash: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response[str]:
    context = {
        "title": "Webhook delivery",
        "delivery": _row(delivery) | {"body": delivery.body_text(), "size": delivery.body_size},
        "may_replay": console.may(Permission.REPLAY_WEBHOOK),
        "error": error,
    }
    if flash:
        context["flash"] = flash
    return render(request, "console/webhook.html.j2", context, console=console, status_code=status_code)


def _not_found(request: Request[Any, Any, Any], console: Console, message: str) -> Response[str]:
    context = {"title": "Not found", "heading": "No such webhook delivery", "message": message}
    return render(request, "console/not_found.html.j2", context, console=console, status_code=404)


@get(f"{WEBHOOKS}/{{delivery_id:str}}", summary="Console webhook delivery", include_in_schema=False)
async def webhook_page(
    request: Request[Any, Any, Any],
    console: SignedIn,
    delivery_id: FromPath[str],
    deliveries: FromDishka[GetWebhookDelivery],
) -> Response[str]:
    """One delivery's fields and its raw body as text, never its signature header; the replay form.
    After a replay (`?done=replayed`) the flash names this delivery's outcome."""
    try:
        delivery = await deliveries.execute(delivery_id[:MAX_FIELD])
    except Refusal as exc:
        return _not_found(request, console, str(exc))
    flash = None
    if request.query_params.get("done") == "replayed":
        flash = f"Replayed: this is the replay's own delivery; its outcome is {delivery.outcome}."
    return await _delivery_page(request, console, delivery, flash=flash)


@post(f"{WEBHOOKS}/{{delivery_id:str}}/replay", summary="Replay a webhook delivery", include_in_schema=False)
async def replay_webhook(
    request: Request[Any, Any, Any],
    console: SignedIn,
    delivery_id: FromPath[str],
    use_case: FromDishka[ReplayWebhook],
    deliveries: FromDishka[GetWebhookDelivery],
) -> Response[Any]:
    """Replays the delivery as the signed-in operator (audited `webhook_replayed`), then shows the
    replay's own delivery; a refusal shows the delivery again with its reason."""
    console.require(Permission.REPLAY_WEBHOOK)
    delivery_id = delivery_id[:MAX_FIELD]
    try:
        replayed = await use_case.execute(delivery_id, console.actor)
    except Refusal as exc:
        try:
            delivery = await deliveries.execute(delivery_id)
        except Refusal:
            return _not_found(request, console, str(exc))
        return await _delivery_page(
            request, console, delivery, error=str(exc), status_code=refusal_status(exc)
        )
    return Redirect(f"{WEBHOOKS}/{quote(replayed.id, safe='')}?done=replayed", status_code=303)
