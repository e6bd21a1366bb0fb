"""The headers of what a customer's link opens: the customer pages (shop_pages.py) and the delivery
link's JSON answers (the reveal and the key report asked for as JSON).

A page allows script only when it needs it (`script=True`: same-origin files, never inline), and
connections only for its live updates (`connect=True`)."""

from typing import Final

_BASE_CSP: Final = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# No referrer: a token in the page's address must not leak to another site; never stored.
_PRIVATE: Final = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

# The delivery link's JSON answers: never stored, never sniffed as a page, no referrer.
JSON_ANSWER_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src data:; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def shop_csp(*, script: bool = False, connect: bool = False) -> str:
    """The policy of a customer page: nothing but the service's own stylesheet and images, and its own
    scripts or live-update connection where the page asks for them."""
    policy = _BASE_CSP
    if script:
        policy += "; script-src 'self'"
    if connect:
        policy += "; connect-src 'self'"
    return policy


def shop_headers(*, script: bool = False, connect: bool = False) -> dict[str, str]:
    """The headers of a customer page: its policy, no referrer, never stored."""
    return {**_PRIVATE, "Content-Security-Policy": shop_csp(script=script, connect=connect)}
