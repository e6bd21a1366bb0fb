""" "Lost your email?" (`/o/lookup`, docs/http-api.md): a form for the order id and the email
address; the order page link goes by email to the order's own address, never onto the page.

The answer to a well-formed lookup is the same page with the same status whether or not an order
matches (`SendOrderPageLink`). Lookups are limited per client address (429 page); a form without its
CSRF token (bound to a nonce cookie: this page has no link in its address) changes nothing (403);
bad input (an order id that is not one, an empty or malformed address) is the form again with a 400.
"""

from typing import Any, Final

from dishka.integrations.litestar import FromDishka
from litestar import Request, get, post
from litestar.response import Template

from bitloot.application.use_cases.send_order_page_link import SendOrderPageLink
from bitloot.domain.errors import InvalidValue
from bitloot.entrypoints.http.customer_csrf import FIELD, CustomerCsrf
from bitloot.entrypoints.http.limits import RateGuard, RateLimited
from bitloot.entrypoints.http.shop_pages import shop_page

LOOKUP: Final = "/o/lookup"
TITLE: Final = "Find your order"
# What the form keeps of what was typed, to show it again.
MAX_ECHO: Final = 254


def _form(
    request: Request[Any, Any, Any],
    csrf: CustomerCsrf,
    *,
    status_code: int = 200,
    error: str | None = None,
    order_id: str = "",
    email: str = "",
) -> Template:
    token, cookie = csrf.nonce_cookie(request, LOOKUP)
    page = shop_page(
        request,
        "order_lookup.html.j2",
        TITLE,
        status_code=status_code,
        csrf_token=token,
        error=error,
        order_id=order_id[:MAX_ECHO],
        email=email[:MAX_ECHO],
    )
    if cookie is not None:
        page.set_cookie(cookie)
    return page


@get(LOOKUP, include_in_schema=False)
async def lookup_form(request: Request[Any, Any, Any], csrf: FromDishka[CustomerCsrf]) -> Template:
    """The lookup form."""
    return _form(request, csrf)


@post(LOOKUP, include_in_schema=False, status_code=200)
async def lookup(
    request: Request[Any, Any, Any],
    csrf: FromDishka[CustomerCsrf],
    guard: FromDishka[RateGuard],
    use_case: FromDishka[SendOrderPageLink],
) -> Template:
    """Email the order page link to the order's address if the order id and the address match; the
    same answer either way."""
    try:
        await guard.lookup(request)
    except RateLimited as exc:
        limited = _form(
            request,
            csrf,
            status_code=429,
            error="Too many lookups from your address in a short time. Please wait a minute, then try again.",
        )
        limited.headers["Retry-After"] = str(exc.retry_after)
        return limited
    form = await request.form()
    order_id, email = str(form.get("order_id") or ""), str(form.get("email") or "")
    if not csrf.nonce_ok(request, form.get(FIELD)):
        error = "The form had expired, so nothing was sent. Please send it again."
        return _form(request, csrf, status_code=403, error=error, order_id=order_id, email=email)
    if not order_id.strip() or not email.strip():
        error = "Enter both the order id and the email address you ordered with."
        return _form(request, csrf, status_code=400, error=error, order_id=order_id, email=email)
    try:
        await use_case.execute(order_id, email)
    except InvalidValue as exc:
        return _form(request, csrf, status_code=400, error=str(exc), order_id=order_id, email=email)
    return shop_page(request, "order_lookup.html.j2", "Check your email", sent=True)
