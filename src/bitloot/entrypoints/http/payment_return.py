"""Where NOWPayments sends the customer back after paying or cancelling. These pages confirm nothing
themselves: only a signed IPN (or the provider's API) moves an order."""

from html import escape

from litestar import Response, get
from litestar.params import FromQuery

from bitloot.entrypoints.http.pages import page


@get("/paid", include_in_schema=False)
async def paid(order: FromQuery[str | None] = None) -> Response[str]:
    """Where the payment provider sends the customer after paying."""
    reference = f" <code>{escape(order[:64])}</code>" if order else ""
    return page(
        "Thank you",
        f"<p>We are waiting for the network to confirm the payment of your order{reference}.</p>"
        "<p>As soon as it is confirmed your keys are prepared, and we email you a link to them. You can "
        "also follow the order with the access token you received when you placed it.</p>",
    )


@get("/cancelled", include_in_schema=False)
async def cancelled(order: FromQuery[str | None] = None) -> Response[str]:
    """Where the payment provider sends a customer who cancelled the payment."""
    reference = f" <code>{escape(order[:64])}</code>" if order else ""
    return page(
        "Payment cancelled",
        f"<p>The payment of your order{reference} was cancelled; nothing was charged by us.</p>"
        "<p>You can place the order again at any time.</p>",
    )
