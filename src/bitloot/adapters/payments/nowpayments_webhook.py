"""NOWPayments IPN: authenticate the `x-nowpayments-sig` header and read the body into a notification.

The signature covers `js_canonical_json` of the parsed body, not the raw bytes, so two bodies that differ
only in key order, spacing or number spelling (`12.50` vs `12.5`) carry the same signature and the same
dedupe key. The body is parsed once (`parse_json`, which also caps its nesting), and every field is read
from that value: amounts as the exact decimals written, never through a float (`payment_fields`).

A number in a field we read that JavaScript does not hold as written (`1e999`, a 400-digit id, an
integer it rounds) is refused before the signature is looked at: NOWPayments' `JSON.stringify` never
writes one, so such a body is at best a genuine one re-spelled, which would be signed as something else
than what we would read. Refusing it first (400, nothing written) spends no HMAC on it and never tells
the sender whether a re-spelling kept a valid signature.
"""

import hashlib
import hmac
import json
from collections.abc import Mapping
from decimal import Decimal

from bitloot.adapters.payments import payment_fields
from bitloot.adapters.payments.canonical_json import js_canonical_json, parse_json
from bitloot.application.errors import InvalidSignature, MalformedNotification
from bitloot.application.ports.payments import VerifiedNotification
from bitloot.domain.payment import PaymentNotification, PaymentStatus

_STATUSES = {status.value: status for status in PaymentStatus}


class NowPaymentsWebhook:
    """Implements `PaymentWebhook`. The secret never appears in its repr, its errors or its logs."""

    __slots__ = ("_secret",)

    def __init__(self, ipn_secret: bytes) -> None:
        if not ipn_secret:
            raise ValueError("The IPN secret is empty.")
        self._secret = ipn_secret

    def __repr__(self) -> str:
        return "NowPaymentsWebhook(ipn_secret=<hidden>)"

    def read(self, raw_body: bytes, signature: str | None) -> VerifiedNotification:
        body = _parse_object(raw_body)
        if payment_fields.misread_numbers(body):
            raise MalformedNotification()
        canonical = js_canonical_json(body).encode("utf-8")
        _check_signature(_sign(canonical, self._secret), signature)
        notification = _to_notification(body)
        return VerifiedNotification(notification, hashlib.sha256(canonical).hexdigest())


def sign_ipn(payload: Mapping[str, object], ipn_secret: bytes) -> tuple[bytes, str]:
    """A body as NOWPayments would post it and its signature; for the local payment simulator.
    The signature is taken over the body as the receiver re-reads it, so floats round-trip."""
    raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return raw, _sign(js_canonical_json(parse_json(raw)).encode("utf-8"), ipn_secret)


def _sign(canonical: bytes, secret: bytes) -> str:
    return hmac.new(secret, canonical, hashlib.sha512).hexdigest()


def _parse_object(raw_body: bytes) -> Mapping[str, object]:
    try:
        body = parse_json(raw_body)
    except ValueError:
        raise MalformedNotification() from None
    if not isinstance(body, dict):
        raise MalformedNotification()
    return body


def _check_signature(expected: str, given: str | None) -> None:
    """Constant time over the hex text. `compare_digest` refuses non-ASCII text: that is ruled out first."""
    provided = (given or "").strip().lower()
    if not provided.isascii() or not hmac.compare_digest(expected, provided):
        raise InvalidSignature()


def _to_notification(body: Mapping[str, object]) -> PaymentNotification:
    paid = body.get("actually_paid")
    return PaymentNotification(
        payment_id=_identifier(body.get("payment_id")),
        # A payment made without our order id names no order: recorded as unmatched, never applied.
        order_id="" if body.get("order_id") is None else _text(body.get("order_id")),
        status=_status(body.get("payment_status")),
        price_amount=_amount(body.get("price_amount")),
        price_currency=_text(body.get("price_currency")),
        pay_amount=_amount(body.get("pay_amount")),
        actually_paid=Decimal(0) if paid is None else _amount(paid),
        pay_currency=_text(body.get("pay_currency")),
        parent_payment_id=_optional_identifier(body.get("parent_payment_id")),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise MalformedNotification()
    return value


def _status(value: object) -> PaymentStatus:
    status = _STATUSES.get(_text(value))
    if status is None:
        raise MalformedNotification()
    return status


def _amount(value: object) -> Decimal:
    found = payment_fields.amount(value)
    if found is None:
        raise MalformedNotification()
    return found


def _optional_identifier(value: object) -> str | None:
    return None if value is None else _identifier(value)


def _identifier(value: object) -> str:
    found = payment_fields.identifier(value)
    if found is None:
        raise MalformedNotification()
    return found
