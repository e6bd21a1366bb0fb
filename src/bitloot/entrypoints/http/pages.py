"""The headers of the delivery link's JSON answers. The customer pages are templates (shop_pages.py)."""

# No referrer: a delivery link's token must not leak to another site through a Referer header.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src data:; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
