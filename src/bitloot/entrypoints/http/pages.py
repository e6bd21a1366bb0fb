"""The last pages still written as escaped strings (the payment simulator and the payment return
pages, until they move to templates/shop/ like the others), and the headers of the delivery link's
JSON answers. The customer pages proper are templates (shop_pages.py)."""

from html import escape

from litestar import MediaType, Response

from bitloot.entrypoints.http.api_docs import SITE_ASSETS

# No referrer: a delivery link's token must not leak to another site through a Referer header.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src data:; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def page(title: str, body_html: str, status_code: int = 200) -> Response[str]:
    """`body_html` (already escaped) under a heading, with the shop's stylesheet."""
    document = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width,initial-scale=1'><title>{escape(title)}</title>"
        f"<link rel=stylesheet href='{SITE_ASSETS}/shop.css'></head>"
        f"<body><main><h1>{escape(title)}</h1>{body_html}</main></body></html>"
    )
    return Response(document, media_type=MediaType.HTML, status_code=status_code, headers=PAGE_HEADERS)


def button_form(action: str, label: str, fields: dict[str, str] | None = None) -> str:
    hidden = "".join(
        f"<input type=hidden name='{escape(k)}' value='{escape(v)}'>" for k, v in (fields or {}).items()
    )
    return f"<form method=post action='{escape(action)}'>{hidden}<button>{escape(label)}</button></form>"
