"""Rendering a console page: its template (autoescaped Jinja2, templates/console/) with what the
layout needs: the signed-in operator, the menu, the CSRF token, the flash message.

Headers (the console's Content-Security-Policy, `Cache-Control: no-store`) are set for every
response under `/console` by the security hook (http/security.py), whatever answered."""

from collections.abc import Mapping, Sequence
from typing import Any, Final

from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie

from bitloot.entrypoints.http.console.current import Console
from bitloot.entrypoints.http.console.nav import nav_for
from bitloot.entrypoints.http.console.paths import STYLESHEET

# Messages a redirect after a POST may show (`?done=<code>`): a fixed table, never request text.
FLASH: Final = {
    "signed-out": "You are signed out.",
    "disabled": "The operator is disabled; their sessions have ended.",
    "retried": "Fulfilment queued again.",
    "resent": "The delivery email is queued to be sent again.",
    "replaced": "The key is replaced: the old one is revoked and the new one delivered.",
    "refunded": "The order is marked refunded; its keys can no longer be revealed.",
    "product-created": "The product is created.",
    "product-updated": "The product is saved.",
    "product-unchanged": "Nothing changed: the product is as it was.",
}


def render(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any],
    *,
    console: Console | None = None,
    status_code: int = 200,
    cookies: Sequence[Cookie] = (),
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    engine = request.app.template_engine
    if engine is None:  # pragma: no cover - the app always configures templates
        raise RuntimeError("templates are not configured")
    done = request.query_params.get("done")
    values = {
        "stylesheet": STYLESHEET,
        "console": console,
        "nav": nav_for(console, request.url.path) if console else [],
        "csrf_token": console.csrf_token if console else "",
        "flash": FLASH.get(done) if isinstance(done, str) else None,
        **context,
    }
    html = engine.get_template(template).render(**values)
    return Response(
        html,
        media_type=MediaType.HTML,
        status_code=status_code,
        cookies=list(cookies),
        headers=dict(headers or {}),
    )
