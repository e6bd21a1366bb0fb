"""Where the payment provider sends the customer back after paying (`/paid`) or cancelling
(`/cancelled`). These pages confirm nothing themselves: only a signed IPN (or the provider's API)
moves an order. The return address carries the order page link's token (`?order={id}&page={token}`,
see adapters/payments/nowpayments/invoices.py): with a genuine one the page shows the order's state,
follows it live and leads to the order page; without one it still thanks and offers `/o/lookup`."""

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template

from bitloot.application.errors import InvalidOrderPageLink
from bitloot.application.use_cases.get_order_page import GetOrderPage, OrderPage
from bitloot.entrypoints.http.limits import RateGuard, RateLimited
from bitloot.entrypoints.http.shop_pages import shop_page


async def _order_page(
    request: Request[Any, Any, Any], pages: GetOrderPage, guard: RateGuard, token: str | None
) -> OrderPage | None:
    """The order of the return address's token, or None (no token, a bad one, or over the limit:
    the page then thanks without naming the order)."""
    if not token:
        return None
    try:
        await guard.order_page(request)
        return await pages.execute(token)
    except (RateLimited, InvalidOrderPageLink):
        return None


@get("/paid", include_in_schema=False)
async def paid(
    request: Request[Any, Any, Any],
    pages: FromDishka[GetOrderPage],
    guard: FromDishka[RateGuard],
    page: FromQuery[str | None] = None,
) -> Template:
    """Where the payment provider sends the customer after paying."""
    order = await _order_page(request, pages, guard, page)
    live = order is not None and order.live
    return shop_page(request, "paid.html.j2", "Thank you", script=live, connect=live, page=order, token=page)


@get("/cancelled", include_in_schema=False)
async def cancelled(
    request: Request[Any, Any, Any],
    pages: FromDishka[GetOrderPage],
    guard: FromDishka[RateGuard],
    page: FromQuery[str | None] = None,
) -> Template:
    """Where the payment provider sends a customer who cancelled the payment."""
    order = await _order_page(request, pages, guard, page)
    return shop_page(request, "cancelled.html.j2", "Payment cancelled", page=order, token=page)
