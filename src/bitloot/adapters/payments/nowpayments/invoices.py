"""A NOWPayments invoice for each new order (docs/payments.md): where the customer pays.

`POST /v1/invoice` with `price_amount` (the order total, its exact digits as a JSON number),
`price_currency` (lowercase), `order_id` (our order id, echoed in every IPN), `order_description`,
`ipn_callback_url` = `{BITLOOT_PUBLIC_BASE_URL}/payments/ipn`, `success_url` =
`{public}/paid?order={id}&page={token}` and `cancel_url` = `{public}/cancelled?order={id}&page={token}`
(where NOWPayments sends the customer back: the storefront's pages, which open the order page from
its link's `token`). We keep `id` (the order's `payment_reference`) and `invoice_url` (the customer's
payment URL).

The call as a whole gives up after `total_seconds` (20 s), retries included, so a customer's
`POST /orders` answers in bounded time. `POST /v1/invoice` is not idempotent on NOWPayments' side, so
`transport` sends it again only when the request surely did not reach them, or they answered 5xx or
429: a timeout while reading, or a connection dropped after the request was sent, is not retried,
since the invoice may exist and a second one would be a second bill. A 5xx retried may likewise leave
an invoice behind; it is never shown to anyone, so at worst it sits unused on their side. Every
failure ends as `PaymentProviderUnavailable` (HTTP 503 for `POST /orders`, and nothing stored).
"""

import asyncio
import logging
from urllib.parse import quote

import msgspec

from bitloot.adapters.payments.nowpayments.payload import identifier
from bitloot.adapters.payments.nowpayments.transport import NowPaymentsTransport, json_object
from bitloot.application.errors import PaymentProviderUnavailable
from bitloot.application.ports.payments import PaymentSession
from bitloot.domain.order import Order

log = logging.getLogger(__name__)

# What the orders table keeps of an invoice id (`payment_reference`, String(100)).
MAX_REFERENCE_LENGTH = 100
_ENCODER = msgspec.json.Encoder()


async def create_invoice(
    transport: NowPaymentsTransport, public_base_url: str, order: Order, order_page: str
) -> PaymentSession:
    """The order's invoice: its URL for the customer, its id as the order's payment reference;
    `order_page` is the token of the order page link the return addresses carry."""
    public = public_base_url.rstrip("/")
    back = f"order={quote(order.id)}&page={quote(order_page)}"
    total = order.total
    body = {
        # The exact digits of the total, as a JSON number.
        "price_amount": msgspec.Raw(format(total.amount, "f").encode()),
        "price_currency": total.currency.lower(),
        "order_id": order.id,
        "order_description": f"BitLoot order {order.id}",
        "ipn_callback_url": f"{public}/payments/ipn",
        "success_url": f"{public}/paid?{back}",
        "cancel_url": f"{public}/cancelled?{back}",
    }
    total_seconds = transport.settings.total_seconds
    try:
        async with asyncio.timeout(total_seconds):
            response = await transport.send(
                "POST",
                "/v1/invoice",
                content=_ENCODER.encode(body),
                headers={"content-type": "application/json"},
                idempotent=False,
            )
    except TimeoutError:
        log.warning("NOWPayments POST /v1/invoice: no answer within %ss", total_seconds)
        raise PaymentProviderUnavailable() from None
    transport.expect_success(response, "POST /v1/invoice")
    answer = json_object(response, "POST /v1/invoice")
    invoice_id, url = identifier(answer.get("id")), answer.get("invoice_url")
    usable_id = invoice_id is not None and len(invoice_id) <= MAX_REFERENCE_LENGTH
    if not usable_id or not isinstance(url, str) or not url.startswith(("https://", "http://")):
        log.warning("NOWPayments POST /v1/invoice: the answer has no usable id and invoice_url")
        raise PaymentProviderUnavailable()
    return PaymentSession(url=url, reference=invoice_id)
