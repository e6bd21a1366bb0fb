"""The customer's order page (docs/http-api.md), reached through its signed 30-day link:

- `GET /o/{token}`: the order's items and state, and what to do next in that state;
- `GET /o/{token}/events`: its state as Server-Sent Events, each time it changes (the page's script
  then fetches the page again and puts its order region in place, static/order-live.js; without
  script the page refreshes itself while the state can still change);
- `POST /o/{token}/delivery-link`: "email me a fresh delivery link", to the order's own address
  (never shown on the page), answered by a redirect back to the page that says so.

A forged or expired link gets a friendly 410 page that offers `/o/lookup`. Every path is limited per
client address (`RateGuard.order_page`); the form carries a CSRF token bound to the link."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, ServerSentEvent, Template
from litestar.response.sse import ServerSentEventMessage

from bitloot.application.errors import InvalidOrderPageLink, TooManyRequests
from bitloot.application.use_cases.follow_order import FollowOrder
from bitloot.application.use_cases.get_order_page import GetOrderPage, OrderPage
from bitloot.application.use_cases.request_delivery_link import LinkRequestOutcome, RequestDeliveryLink
from bitloot.domain.errors import NotFulfilledYet, RevealsBlocked
from bitloot.domain.order_status import OrderStatus
from bitloot.entrypoints.http.customer_csrf import FIELD, CustomerCsrf
from bitloot.entrypoints.http.limits import RateGuard, RateLimited
from bitloot.entrypoints.http.shop_pages import shop_page

# A browser waits this long before it reconnects a dropped stream.
RECONNECT_MILLISECONDS: Final = 3000


@dataclass(frozen=True, slots=True)
class Notice:
    tone: str
    text: str


# What the page says after the customer asked for a fresh delivery link (`?link=` after the redirect).
SENT: Final = Notice("ok", "We sent a fresh link to the address of the order. It works for 15 minutes.")
WAITING: Final = Notice("ok", "A fresh link is already on its way to the address of the order.")
AFTER_REQUEST: Final = {"sent": SENT, "waiting": WAITING}
TOO_MANY: Final = Notice("warn", "You asked for several links in a short time; please wait a minute.")
REFUNDED: Final = Notice("bad", "This order was refunded, so its keys can no longer be sent.")
NOT_READY: Final = Notice("warn", "Your keys are not ready yet; we email you a link as soon as they are.")
REFUSED: Final = Notice("warn", "The form had expired, so nothing was sent. Please press the button again.")


def gone_page(request: Request[Any, Any, Any]) -> Template:
    """The answer to a forged or expired order page link: how to get a fresh one."""
    return shop_page(request, "order_gone.html.j2", "This order link has expired", status_code=410)


def busy_page(request: Request[Any, Any, Any], retry_after: int) -> Template:
    """Over the client address's limit: nothing was read or sent."""
    page = shop_page(request, "busy.html.j2", "Please wait", status_code=429)
    page.headers["Retry-After"] = str(retry_after)
    return page


def order_template(
    request: Request[Any, Any, Any],
    token: str,
    page: OrderPage,
    csrf: CustomerCsrf,
    notice: Notice | None = None,
    status_code: int = 200,
) -> Template:
    return shop_page(
        request,
        "order.html.j2",
        "Your order",
        status_code=status_code,
        script=page.live,
        connect=page.live,
        page=page,
        token=token,
        notice=notice,
        csrf_token=csrf.for_link(token) if page.can_get_link else None,
    )


async def _messages(states: AsyncIterator[OrderStatus]) -> AsyncIterator[ServerSentEventMessage]:
    """One `state` event per state the watch reports."""
    async for state in states:
        yield ServerSentEventMessage(data=state.value, event="state", retry=RECONNECT_MILLISECONDS)


class OrderPageController(Controller):
    path = "/o/{token:str}"
    include_in_schema = False

    @get("/")
    async def show(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        use_case: FromDishka[GetOrderPage],
        guard: FromDishka[RateGuard],
        csrf: FromDishka[CustomerCsrf],
        link: FromQuery[str | None] = None,
    ) -> Template:
        """The order page of a signed link (410 page for a forged or expired one)."""
        try:
            await guard.order_page(request)
        except RateLimited as exc:
            return busy_page(request, exc.retry_after)
        try:
            page = await use_case.execute(token)
        except InvalidOrderPageLink:
            return gone_page(request)
        return order_template(request, token, page, csrf, AFTER_REQUEST.get(link or ""))

    @get("/events")
    async def events(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        use_case: FromDishka[FollowOrder],
        guard: FromDishka[RateGuard],
    ) -> ServerSentEvent:
        """The order's state as Server-Sent Events (`event: state`, `data: paid`, ...): the current
        one, then each change, until it stops moving or about 10 minutes passed (the browser then
        connects again). 410 problem for a forged or expired link, 429 over the client's limit."""
        await guard.order_page(request)
        states = use_case.watch(token)
        # No proxy may hold the events back (nginx buffers responses unless told not to).
        return ServerSentEvent(
            _messages(states), headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )

    @post("/delivery-link", status_code=303)
    async def delivery_link(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        pages: FromDishka[GetOrderPage],
        use_case: FromDishka[RequestDeliveryLink],
        guard: FromDishka[RateGuard],
        csrf: FromDishka[CustomerCsrf],
    ) -> Response[Any]:
        """ "Email me a fresh delivery link": staged for the order's own address, then back to the
        page (303), which says it was sent or was already on its way. A form without the link's CSRF
        token changes nothing (403); too many requests (429), a refunded order (410) and an order not
        fulfilled yet (409) are said on the page."""
        try:
            await guard.order_page(request)
        except RateLimited as exc:
            return busy_page(request, exc.retry_after)
        form = await request.form()
        try:
            order_id = pages.order_id(token)
        except InvalidOrderPageLink:
            return gone_page(request)
        if not csrf.link_ok(token, form.get(FIELD)):
            return await self._again(request, token, pages, csrf, REFUSED, 403)
        try:
            outcome = await use_case.execute(order_id)
        except TooManyRequests as exc:
            answer = await self._again(request, token, pages, csrf, TOO_MANY, 429)
            answer.headers["Retry-After"] = str(exc.retry_after)
            return answer
        except RevealsBlocked:
            return await self._again(request, token, pages, csrf, REFUNDED, 410)
        except NotFulfilledYet:
            return await self._again(request, token, pages, csrf, NOT_READY, 409)
        said = "sent" if outcome is LinkRequestOutcome.STAGED else "waiting"
        return Redirect(path=f"/o/{token}?link={said}", status_code=303)

    @staticmethod
    async def _again(
        request: Request[Any, Any, Any],
        token: str,
        pages: GetOrderPage,
        csrf: CustomerCsrf,
        notice: Notice,
        status_code: int,
    ) -> Template:
        """The order page again, saying why nothing was sent."""
        try:
            page = await pages.execute(token)
        except InvalidOrderPageLink:
            return gone_page(request)
        return order_template(request, token, page, csrf, notice, status_code)
