"""The numbers of a NOWPayments payment that our rules read, read as NOWPayments signed them.

NOWPayments signs an IPN (and writes its API answers) with `JSON.stringify`: every number is what
JavaScript reads, an IEEE double. Our rules read amounts as exact decimals and ids as text. The two views
agree on a number only when JavaScript holds it as written (`JsNumber.held_as_written`); where they part
(`1e999` or a 400-digit id, which JavaScript reads as Infinity and signs as `null`; an integer beyond
2**53 that it rounds) one signature would vouch for bodies that mean different things to us. So a payment
is read only when every number in a field below is held as written, and then from the one parsed value
that was signed: the IPN and the API lookup (`nowpayments_client`) by the same rules.

Ids go one step further: a number id must be a safe integer (at most 2**53 - 1, JavaScript's
`Number.MAX_SAFE_INTEGER`). A larger one, even one a double holds exactly, stands in JavaScript for
several integers at once, so it cannot name one payment; NOWPayments' own ids are ten digits.
"""

from collections.abc import Mapping
from decimal import Decimal

from bitloot.adapters.payments.canonical_json import JsNumber

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
