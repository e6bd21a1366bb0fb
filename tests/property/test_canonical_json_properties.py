"""The canonical JSON NOWPayments signs, and the IPN signatures taken over it (docs/payments.md).

`parse_json` reads a body as `JSON.parse` does and `js_canonical_json` prints it as Node's
`JSON.stringify(sortObject(...))`: printing what was parsed and parsing it again gives the same value, the
printed text is a fixed point, and it does not depend on the order of the keys. A body signed with
`sign_ipn` always verifies; a one-byte change that changes what the body says never does."""

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitloot.adapters.payments.nowpayments.canonical_json import js_canonical_json, parse_json
from bitloot.adapters.payments.nowpayments.payload import misread_numbers
from bitloot.adapters.payments.nowpayments.webhook import NowPaymentsWebhook, sign_ipn
from bitloot.application.errors import InvalidSignature, MalformedNotification

SECRET = b"property-ipn-secret"
WEBHOOK = NowPaymentsWebhook(SECRET)

# `__proto__` is lost in JavaScript's canonical form (it sets the prototype), so no generated key uses it.
keys = st.text(max_size=12).filter(lambda key: key != "__proto__")
scalars = st.one_of(
    st.none(),
    st.booleans(),
    # Beyond about 1.8e308 a JSON number becomes Infinity in JavaScript, and then null.
    st.integers(min_value=-(10**300), max_value=10**300),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(keys, children, max_size=5)),
    max_leaves=25,
)


def encoded(value: object, ensure_ascii: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")


@given(json_values, st.booleans())
def test_printing_what_was_parsed_round_trips(value: object, ensure_ascii: bool) -> None:
    try:
        raw = encoded(value, ensure_ascii)
        parsed = parse_json(raw)
    except ValueError:
        # A lone surrogate written raw is not UTF-8: refused, as `JSON.parse` of bad bytes would be.
        assert not ensure_ascii
        return
    canonical = js_canonical_json(parsed)
    assert parse_json(canonical.encode("utf-8", "surrogatepass")) == parsed


@given(json_values)
def test_the_canonical_text_is_a_fixed_point(value: object) -> None:
    canonical = js_canonical_json(parse_json(encoded(value, ensure_ascii=True)))
    assert js_canonical_json(parse_json(canonical.encode("utf-8", "surrogatepass"))) == canonical
    # No whitespace is added between tokens; JSON.stringify prints none.
    assert js_canonical_json(json.loads(canonical)) == canonical


@given(st.dictionaries(keys, json_values, max_size=8), st.randoms(use_true_random=False))
def test_the_canonical_text_ignores_key_order(obj: dict[str, Any], rnd: Any) -> None:
    items = list(obj.items())
    rnd.shuffle(items)
    assert js_canonical_json(dict(items)) == js_canonical_json(obj)


def ipn_payloads() -> st.SearchStrategy[dict[str, Any]]:
    base = st.fixed_dictionaries(
        {
            # Ids up to JavaScript's largest safe integer; a larger one is refused (test_payment_numbers).
            "payment_id": st.integers(min_value=1, max_value=2**53 - 1),
            "payment_status": st.sampled_from(["waiting", "confirming", "partially_paid", "finished"]),
            "pay_address": st.text(max_size=20),
            "price_amount": st.decimals(min_value=0, max_value=10**6, places=2).map(float),
            "price_currency": st.sampled_from(["eur", "usd"]),
            "pay_amount": st.floats(min_value=0, max_value=1e6),
            "actually_paid": st.floats(min_value=0, max_value=1e6),
            "pay_currency": st.sampled_from(["btc", "eth", "usdttrc20"]),
            "order_id": st.uuids().map(str),
            "order_description": st.text(max_size=30),
        }
    )
    extras = st.dictionaries(keys.map(lambda key: "x_" + key), json_values, max_size=3)
    return st.builds(lambda fields, more: {**fields, **more}, base, extras)


@given(ipn_payloads())
def test_a_signed_ipn_always_verifies(payload: dict[str, Any]) -> None:
    body, signature = sign_ipn(payload, SECRET)
    verified = WEBHOOK.read(body, signature)
    assert verified.notification.order_id == payload["order_id"]
    # The signature is hex, case and surrounding spaces do not matter.
    WEBHOOK.read(body, f"  {signature.upper()} ")


@given(ipn_payloads(), st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_a_one_byte_change_that_changes_the_body_fails(payload: dict[str, Any], at: int, byte: int) -> None:
    body, signature = sign_ipn(payload, SECRET)
    index = at % len(body)
    if body[index] == byte:
        return
    changed = body[:index] + bytes([byte]) + body[index + 1 :]
    try:
        parsed = parse_json(changed)
    except ValueError:
        parsed = None
    # Not an object, or a number a float cannot hold: refused as malformed before the signature.
    if not isinstance(parsed, dict) or misread_numbers(parsed):
        with pytest.raises(MalformedNotification):
            WEBHOOK.read(changed, signature)
    elif parsed != parse_json(body):
        with pytest.raises(InvalidSignature):
            WEBHOOK.read(changed, signature)
    else:
        # Same value (a space, `0` written `-0`, an escape spelled otherwise): same canonical text.
        assert js_canonical_json(parsed) == js_canonical_json(parse_json(body))


@given(ipn_payloads(), st.binary(min_size=1, max_size=16))
def test_another_secret_never_verifies(payload: dict[str, Any], other: bytes) -> None:
    if other == SECRET:
        return
    body, signature = sign_ipn(payload, other)
    with pytest.raises(InvalidSignature):
        WEBHOOK.read(body, signature)
