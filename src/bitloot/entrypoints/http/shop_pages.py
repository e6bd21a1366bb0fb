"""The customer pages' frame: one layout (`templates/shop/base.html.j2`) and one stylesheet served by
the service, the shop's name and support address, and a Content-Security-Policy per page.

A page allows script only when it needs it (`script=True`: same-origin files, never inline), and
connections only for its live updates (`connect=True`)."""

from typing import Any

from litestar import Request
from litestar.response import Template

from bitloot.domain.shop import ShopIdentity
from bitloot.entrypoints.http.api_docs import SITE_ASSETS

_BASE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# No referrer: a token in the page's address must not leak to another site; never stored.
_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def shop_csp(*, script: bool = False, connect: bool = False) -> str:
    """The policy of a customer page: nothing but the service's own stylesheet and images, and its own
    scripts or live-update connection where the page asks for them."""
    policy = _BASE_CSP
    if script:
        policy += "; script-src 'self'"
    if connect:
        policy += "; connect-src 'self'"
    return policy


def shop_page(
    request: Request[Any, Any, Any],
    template: str,
    title: str,
    *,
    status_code: int = 200,
    script: bool = False,
    connect: bool = False,
    **context: Any,
) -> Template:
    """`templates/shop/{template}` in the shop's layout, with its policy and headers."""
    shop: ShopIdentity = request.app.state.settings.shop
    return Template(
        template_name=f"shop/{template}",
        context={"title": title, "shop": shop, "assets": SITE_ASSETS, **context},
        status_code=status_code,
        headers={**_HEADERS, "Content-Security-Policy": shop_csp(script=script, connect=connect)},
    )
