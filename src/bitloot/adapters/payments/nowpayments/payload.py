"""A NOWPayments payment read into a `PaymentNotification`: the one parser of the IPN body and of a
payment the API reports (`lookups`), with one set of rules.

NOWPayments signs an IPN (and writes its API answers) with `JSON.stringify`: every number is what
JavaScript reads, an IEEE double. Our rules read amounts as exact decimals and ids as text. The two views
agree on a number only when JavaScript holds it as written (`JsNumber.held_as_written`); where they part
(`1e999` or a 400-digit id, which JavaScript reads as Infinity and signs as `null`; an integer beyond
2**53 that it rounds) one signature would vouch for bodies that mean different things to us. So a payment
is read only when every number in `NUMBER_FIELDS` is held as written, and then from the one parsed value
that was signed.

The rules, for the IPN and the lookup alike:
- `payment_id` is an id (below); `parent_payment_id` is null or an id;
- `payment_status` is one of `PaymentStatus`;
- `price_amount` and `pay_amount` are non-negative JSON numbers; `actually_paid` too, or null (read as
  0). An amount written as a string (`"19.99"`) is refused: NOWPayments writes a payment's amounts as
  numbers (only an invoice's answer has its `price_amount` as a string, and that is never read here);
- `price_currency` and `pay_currency` are strings; `order_id` is a string or null (a payment made
  without our order id names no order: recorded as unmatched, never applied).

Ids go one step further: a number id must be a safe integer (at most 2**53 - 1, JavaScript's
`Number.MAX_SAFE_INTEGER`). A larger one, even one a double holds exactly, stands in JavaScript for
several integers at once, so it cannot name one payment; NOWPayments' own ids are ten digits.
"""

from collections.abc import Mapping
from decimal import Decimal

from bitloot.adapters.payments.nowpayments.canonical_json import JsNumber
from bitloot.application.errors import MalformedNotification
from bitloot.domain.payment import PaymentNotification, PaymentStatus

# The payment fields our rules read that may hold a number (the IPN's and the API answer's).
NUMBER_FIELDS = (
    "payment_id",
    "parent_payment_id",
    "invoice_id",
    "price_amount",
    "pay_amount",
    "actually_paid",
)
MAX_SAFE_INTEGER = 2**53 - 1
_STATUSES = {status.value: status for status in PaymentStatus}


def read_payment(payment: Mapping[str, object]) -> PaymentNotification:
    """The payment as a notification; `MalformedNotification` when a field we rely on is missing or
    malformed, or a number in `NUMBER_FIELDS` is one JavaScript does not read as written."""
    if misread_numbers(payment):
        raise MalformedNotification()
    paid = payment.get("actually_paid")
    order_id = payment.get("order_id")
    return PaymentNotification(
        payment_id=_identifier(payment.get("payment_id")),
        order_id="" if order_id is None else _text(order_id),
        status=_status(payment.get("payment_status")),
        price_amount=_amount(payment.get("price_amount")),
        price_currency=_text(payment.get("price_currency")),
        pay_amount=_amount(payment.get("pay_amount")),
        actually_paid=Decimal(0) if paid is None else _amount(paid),
        pay_currency=_text(payment.get("pay_currency")),
        parent_payment_id=_optional_identifier(payment.get("parent_payment_id")),
    )


def misread_numbers(payment: Mapping[str, object]) -> list[str]:
    """The fields of `NUMBER_FIELDS` holding a number that JavaScript does not read as written."""
    return [
        name
        for name in NUMBER_FIELDS
        if isinstance(value := payment.get(name), JsNumber) and not value.held_as_written
    ]


def amount(value: object) -> Decimal | None:
    """A non-negative number JavaScript reads as written, as the exact decimal written (`12.50`)."""
    if isinstance(value, JsNumber) and value.held_as_written and value >= 0:
        return Decimal(value.text)
    return None


def identifier(value: object) -> str | None:
    """A non-empty string, or a safe integer written without sign, fraction or exponent: its digits."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, JsNumber) and value.text.isascii() and value.text.isdigit():
        # JSON writes no leading zeros: more digits than MAX_SAFE_INTEGER's is larger than it.
        safe = len(value.text) <= len(str(MAX_SAFE_INTEGER)) and int(value.text) <= MAX_SAFE_INTEGER
        return value.text if safe else None
    return None


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
    found = amount(value)
    if found is None:
        raise MalformedNotification()
    return found


def _optional_identifier(value: object) -> str | None:
    return None if value is None else _identifier(value)


def _identifier(value: object) -> str:
    found = identifier(value)
    if found is None:
        raise MalformedNotification()
    return found
