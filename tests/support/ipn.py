"""NOWPayments IPNs as the provider posts them, signed with the shop's IPN secret.

One body template for every suite: a payment of the order's whole total in bitcoin. A test changes the
fields it is about (`status`, `payment_id`, `price_amount`, ...) and signs what it sends; the signature
is `sign_ipn`'s (HMAC-SHA512 over the body as NOWPayments' Node reads it), so what a test posts is what
a genuine IPN would be. Tests of the signature itself compute it independently
(tests/unit/adapters/test_payment_numbers.py, tests/vectors/)."""

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bitloot.adapters.payments.nowpayments.webhook import sign_ipn
from bitloot.adapters.payments.simulator import simulated_ipn
from bitloot.domain.order import Order
from bitloot.domain.payment import PaymentStatus

SIGNATURE_HEADER = "x-nowpayments-sig"


def ipn_payload(
    order_id: str, total: str | Decimal | float, currency: str, status: str = "finished", **changes: object
) -> dict[str, Any]:
    """The body NOWPayments posts when `order_id`'s `total` in `currency` was paid; `changes` replace or
    add fields."""
    return {
        "payment_id": 5077125051,
        "payment_status": status,
        "pay_address": "bc1qexample",
        "price_amount": float(total),
        "price_currency": currency.lower(),
        "pay_amount": 0.00032,
        "actually_paid": 0.00032,
        "pay_currency": "btc",
        "order_id": order_id,
        "order_description": "BitLoot order",
        "fee": {"currency": "btc", "depositFee": 0, "withdrawalFee": 0, "serviceFee": 0},
        **changes,
    }


def ipn_headers(signature: str) -> dict[str, str]:
    """The headers an IPN comes with."""
    return {SIGNATURE_HEADER: signature, "content-type": "application/json"}


def signed_request(payload: Mapping[str, object], secret: bytes) -> tuple[bytes, dict[str, str]]:
    """`payload` as the body of a `POST /payments/ipn`, and its headers with the signature."""
    body, signature = sign_ipn(payload, secret)
    return body, ipn_headers(signature)


def ipn_request_for(
    order: Mapping[str, Any], secret: bytes, status: str = "finished", **changes: object
) -> tuple[bytes, dict[str, str]]:
    """A signed IPN request for an order as the API answered `POST /orders` (camelCase JSON)."""
    payload = ipn_payload(order["id"], order["total"], order["currency"], status, **changes)
    return signed_request(payload, secret)


def ipn_for(
    order: Order, secret: bytes, status: PaymentStatus = PaymentStatus.FINISHED, **changes: object
) -> tuple[bytes, str]:
    """Body and signature of an IPN for a domain `Order`, as the use cases take them: the embedded
    simulator's IPN (a fresh payment id each time, like `World.pay`), with `changes` made before signing."""
    body, signature = simulated_ipn(order, status, secret)
    if not changes:
        return body, signature
    payload = json.loads(body)
    payload.update(changes)
    return sign_ipn(payload, secret)
