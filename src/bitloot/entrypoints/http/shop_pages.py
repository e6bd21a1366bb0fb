"""The customer pages' frame: one layout (`templates/shop/base.html.j2`) and one stylesheet served by
the service, the shop's name and support address, and a Content-Security-Policy per page
(page_headers.py)."""

from typing import Any

from litestar import Request
from litestar.response import Template

from bitloot.domain.shop import ShopIdentity
from bitloot.entrypoints.http.api_docs import SITE_ASSETS
from bitloot.entrypoints.http.page_headers import shop_headers


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
        headers=shop_headers(script=script, connect=connect),
    )
