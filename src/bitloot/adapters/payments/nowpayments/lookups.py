"""Reconciliation: what NOWPayments' API says became of an order's payments, for a payment whose IPN
never came (`PaymentLookup`).

NOWPayments lists the payments of an invoice only through `GET /v1/payment/?invoiceId=...`, which
wants a bearer token besides the API key (`transport.authorized_get`). So:

- with `BITLOOT_NOWPAYMENTS_EMAIL` and `BITLOOT_NOWPAYMENTS_PASSWORD` set, each due order's invoice
  is listed: every payment made on it is found, including one whose IPNs were all lost;
- without them, each payment id we already know from an earlier IPN (the payments table) is asked
  with `GET /v1/payment/{payment_id}` (API key only). That finds a `finished` whose IPN was lost
  after an earlier one (say `waiting`) arrived, but an order that never got any IPN is not found:
  set the credentials to cover that case too.

Each answer is read once, as JavaScript reads it (`parse_json`, nesting capped), and each reported
payment by the IPN's own parser (`payload.read_payment`): one it refuses is skipped and logged. It
becomes a `VerifiedNotification` whose dedupe key is the SHA-256 of the canonical JSON (the IPN form,
`js_canonical_json`) of the fields that bear on the order (`DEDUPE_FIELDS`). Asking again while nothing
changed records nothing new; a changed status is a new record. Timestamps such as `updated_at` are left
out so that they alone never make a new record.
"""

import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from bitloot.adapters.payments.nowpayments.canonical_json import js_canonical_json
from bitloot.adapters.payments.nowpayments.payload import identifier, read_payment
from bitloot.adapters.payments.nowpayments.transport import NowPaymentsTransport, json_object
from bitloot.application.errors import MalformedNotification, PaymentProviderUnavailable
from bitloot.application.ports.payments import VerifiedNotification
from bitloot.domain.order import Order

log = logging.getLogger(__name__)

# An invoice has a handful of payments at most; a few pages of 100 bound one order's answer.
PAGE_SIZE = 100
MAX_PAGES = 5
# The fields of a payment that bear on the order: what the dedupe key covers.
DEDUPE_FIELDS = (
    "payment_id",
    "invoice_id",
    "payment_status",
    "order_id",
    "price_amount",
    "price_currency",
    "pay_amount",
    "actually_paid",
    "pay_currency",
    "parent_payment_id",
)


async def payments_for(
    transport: NowPaymentsTransport, order: Order, known_payment_ids: Sequence[str]
) -> list[VerifiedNotification]:
    """The readable payments of the order that NOWPayments reports (see the module docstring)."""
    if transport.settings.can_list_payments and order.payment_reference:
        items = await _list_invoice_payments(transport, order.payment_reference)
    else:
        items = [item for pid in known_payment_ids if (item := await _get_payment(transport, pid))]
    found: list[VerifiedNotification] = []
    for payment in items:
        if not _belongs_to(payment, order):
            continue
        try:
            notification = read_payment(payment)
        except MalformedNotification:
            log.warning(
                "NOWPayments: an unreadable payment %r for order %s was skipped",
                _safe_id(payment.get("payment_id")),
                order.id,
            )
            continue
        found.append(VerifiedNotification(notification, dedupe_key(payment)))
    return found


def dedupe_key(payment: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the payment's `DEDUPE_FIELDS`."""
    fields = {name: payment[name] for name in DEDUPE_FIELDS if name in payment}
    return hashlib.sha256(js_canonical_json(fields).encode("utf-8")).hexdigest()


async def _list_invoice_payments(transport: NowPaymentsTransport, invoice_id: str) -> list[Mapping[str, Any]]:
    items: list[Mapping[str, Any]] = []
    for page in range(MAX_PAGES):
        params = {
            "invoiceId": invoice_id,
            "limit": str(PAGE_SIZE),
            "page": str(page),
            "sortBy": "created_at",
            "orderBy": "asc",
        }
        response = await transport.authorized_get("/v1/payment/", params)
        transport.expect_success(response, "GET /v1/payment/")
        answer = json_object(response, "GET /v1/payment/")
        data = answer.get("data")
        if not isinstance(data, list):
            log.warning("NOWPayments GET /v1/payment/: the answer has no data list")
            raise PaymentProviderUnavailable()
        items.extend(payment for payment in data if isinstance(payment, dict))
        pages = answer.get("pagesCount")
        if not isinstance(pages, float) or page + 1 >= pages or len(data) < PAGE_SIZE:
            break
    return items


async def _get_payment(transport: NowPaymentsTransport, payment_id: str) -> Mapping[str, Any] | None:
    path = f"/v1/payment/{quote(payment_id, safe='')}"
    response = await transport.send("GET", path, idempotent=True)
    if response.status_code == httpx.codes.NOT_FOUND:
        log.warning("NOWPayments does not know payment %s; skipped", _safe_id(payment_id))
        return None
    transport.expect_success(response, "GET /v1/payment/{id}")
    return json_object(response, "GET /v1/payment/{id}")


def _belongs_to(payment: Mapping[str, Any], order: Order) -> bool:
    """A payment of this order: made on its invoice, or naming it."""
    invoice = payment.get("invoice_id")
    if (
        order.payment_reference is not None
        and invoice is not None
        and identifier(invoice) == order.payment_reference
    ):
        return True
    return payment.get("order_id") == order.id


def _safe_id(value: object) -> str:
    return (identifier(value) or "?")[:100]
