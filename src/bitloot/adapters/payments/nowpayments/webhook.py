"""NOWPayments IPN: authenticate the `x-nowpayments-sig` header and read the body into a notification.

The signature covers `js_canonical_json` of the parsed body, not the raw bytes, so two bodies that differ
only in key order, spacing or number spelling (`12.50` vs `12.5`) carry the same signature and the same
dedupe key. The body is parsed once (`parse_json`, which also caps its nesting), and every field is read
from that value by the rules of `payload`, which the API lookups read by too: amounts as the exact
decimals written, never through a float.

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

from bitloot.adapters.payments.nowpayments.canonical_json import js_canonical_json, parse_json
from bitloot.adapters.payments.nowpayments.payload import misread_numbers, read_payment
from bitloot.application.errors import InvalidSignature, MalformedNotification
from bitloot.application.ports.payments import VerifiedNotification


class NowPaymentsWebhook:
    """Implements `PaymentWebhook`. The secret never appears in its repr, its errors or its logs."""

    __slots__ = ("_keyed",)

    def __init__(self, ipn_secret: bytes) -> None:
        if not ipn_secret:
            raise ValueError("The IPN secret is empty.")
        # Keyed once: each IPN copies the keyed state instead of hashing the padded key again.
        self._keyed = hmac.new(ipn_secret, digestmod=hashlib.sha512)

    def __repr__(self) -> str:
        return "NowPaymentsWebhook(ipn_secret=<hidden>)"

    def read(self, raw_body: bytes, signature: str | None) -> VerifiedNotification:
        body = _parse_object(raw_body)
        if misread_numbers(body):
            raise MalformedNotification()
        canonical = js_canonical_json(body).encode("utf-8")
        mac = self._keyed.copy()
        mac.update(canonical)
        _check_signature(mac.hexdigest(), signature)
        notification = read_payment(body)
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
