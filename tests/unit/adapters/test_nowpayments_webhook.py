"""NOWPayments IPN verification against vectors computed by real Node (tests/vectors/make_ipn_vectors.mjs)."""

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bitloot.adapters.payments.nowpayments.canonical_json import js_canonical_json, js_number, parse_json
from bitloot.adapters.payments.nowpayments.webhook import NowPaymentsWebhook, sign_ipn
from bitloot.application.errors import InvalidSignature, MalformedNotification
from bitloot.domain.payment import PaymentStatus

VECTORS: list[dict[str, str]] = json.loads(
    (Path(__file__).parents[2] / "vectors" / "ipn_vectors.json").read_text(encoding="utf-8")
)
BY_NAME = {vector["name"]: vector for vector in VECTORS}
SECRET = b"unit-test-ipn-secret"
IPN: dict[str, Any] = {
    "payment_id": 5077125051,
    "payment_status": "finished",
    "order_id": "ord_1",
    "price_amount": 12.5,
    "price_currency": "eur",
    "pay_amount": 0.000221,
    "actually_paid": 0.000221,
    "pay_currency": "btc",
    "fee": {"withdrawalFee": 0, "currency": "btc", "depositFee": 0.0001},
}


def _hook(vector: dict[str, str]) -> NowPaymentsWebhook:
    return NowPaymentsWebhook(vector["secret"].encode("utf-8"))


def _body(vector: dict[str, str]) -> bytes:
    return vector["body"].encode("utf-8")


def _flip_hex(signature: str, index: int) -> str:
    replacement = "0" if signature[index] != "0" else "1"
    return signature[:index] + replacement + signature[index + 1 :]


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_canonical_form_matches_node(vector: dict[str, str]) -> None:
    assert js_canonical_json(parse_json(_body(vector))) == vector["canonical"]


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_node_signature_verifies(vector: dict[str, str]) -> None:
    verified = _hook(vector).read(_body(vector), vector["signature"])

    assert verified.dedupe_key == hashlib.sha256(vector["canonical"].encode("utf-8")).hexdigest()


def test_fields_come_from_the_original_digits() -> None:
    vector = BY_NAME["finished_floats"]

    note = _hook(vector).read(_body(vector), vector["signature"]).notification

    assert note.payment_id == "5077125051"
    assert note.order_id == "ord_01J9Z8"
    assert note.status is PaymentStatus.FINISHED
    assert str(note.price_amount) == "12.50"
    assert note.price_currency == "eur"
    assert note.pay_amount == note.actually_paid == Decimal("0.000221")
    assert note.pay_currency == "btc"
    assert note.parent_payment_id is None


@pytest.mark.parametrize(
    ("name", "field", "expected"),
    [
        ("nested_fee_unsorted", "payment_id", "5077125052"),
        ("nested_fee_unsorted", "actually_paid", Decimal("0.70")),
        ("partially_paid", "status", PaymentStatus.PARTIALLY_PAID),
        ("partially_paid", "price_amount", Decimal(10)),
        ("repeated_deposit", "parent_payment_id", "5077125051"),
        ("numbers_and_index_keys", "price_amount", Decimal(100)),
        ("numbers_and_index_keys", "pay_amount", Decimal("1E-7")),
        ("numbers_and_index_keys", "actually_paid", Decimal(0)),
        ("non_ascii", "order_id", "ord_ü"),
    ],
)
def test_vector_fields(name: str, field: str, expected: object) -> None:
    vector = BY_NAME[name]

    note = _hook(vector).read(_body(vector), vector["signature"]).notification

    assert getattr(note, field) == expected


@pytest.mark.parametrize("index", range(128))
def test_any_flipped_signature_character_is_rejected(index: int) -> None:
    vector = BY_NAME["nested_fee_unsorted"]

    with pytest.raises(InvalidSignature):
        _hook(vector).read(_body(vector), _flip_hex(vector["signature"], index))


@pytest.mark.parametrize("name", ["finished_floats", "nested_fee_unsorted", "non_ascii", "escapes"])
def test_any_changed_character_in_the_body_is_rejected(name: str) -> None:
    """Every letter or digit, in keys and values alike. Skipped: changes that break the JSON, and those that
    leave the parsed value alone (a hex escape means the same in either case)."""
    vector = BY_NAME[name]
    hook, text, original = _hook(vector), vector["body"], parse_json(_body(vector))
    checked = 0
    for index, char in enumerate(text):
        if not char.isalnum():
            continue
        changed = char.swapcase() if char.isalpha() and char.swapcase() != char else _other_char(char)
        body = (text[:index] + changed + text[index + 1 :]).encode("utf-8")
        try:
            if parse_json(body) == original:
                continue
        except ValueError:
            continue
        with pytest.raises(InvalidSignature):
            hook.read(body, vector["signature"])
        checked += 1
    assert checked > 100


def _other_char(char: str) -> str:
    return str((int(char) + 1) % 10) if char.isdigit() else "x" if char != "x" else "y"


def test_python_sort_keys_is_not_the_signed_form() -> None:
    """Why `canonical_json` exists: Python keeps `1.0` where JavaScript prints `1`."""
    vector = BY_NAME["finished_floats"]
    python_form = json.dumps(
        parse_json(_body(vector)), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )

    assert '"outcome_amount":1.0' in python_form
    assert '"outcome_amount":1,' in vector["canonical"]
    assert python_form != vector["canonical"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"not json",
        b"[1, 2]",
        b'"finished"',
        b"null",
        b"NaN",
        b'{"price_amount": NaN}',
        b'{"price_amount": Infinity}',
        b'{"price_amount": -Infinity}',
        b'{"a": 1,}',
        b"{'a': 1}",
        b'{"a": "\xff"}',
        b'\xef\xbb\xbf{"a": 1}',
        b"[" * 100_000,
    ],
    ids=lambda body: repr(body[:24]),
)
def test_malformed_body_is_rejected_before_the_signature(body: bytes) -> None:
    with pytest.raises(MalformedNotification):
        NowPaymentsWebhook(SECRET).read(body, None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("order_id", 123),
        ("payment_id", None),
        ("payment_id", 1.5),
        ("payment_id", -1),
        ("payment_id", ""),
        ("payment_id", True),
        ("payment_status", "unknown"),
        ("payment_status", None),
        ("price_amount", "12.5"),
        ("price_amount", None),
        ("price_amount", -1),
        ("pay_amount", False),
        ("actually_paid", "0.1"),
        ("price_currency", None),
        ("pay_currency", 7),
        ("parent_payment_id", True),
        ("parent_payment_id", {"id": 1}),
    ],
)
def test_signed_body_of_the_wrong_shape_is_malformed(field: str, value: object) -> None:
    payload = {**IPN, field: value}

    raw, signature = sign_ipn(payload, SECRET)

    with pytest.raises(MalformedNotification):
        NowPaymentsWebhook(SECRET).read(raw, signature)


@pytest.mark.parametrize("order_id", ["missing", None])
def test_a_payment_without_an_order_id_reads_as_naming_no_order(order_id: object) -> None:
    """NOWPayments sends `order_id: null` for a payment made without one: it is recorded as unmatched."""
    payload = {key: value for key, value in IPN.items() if key != "order_id"}
    if order_id is None:
        payload["order_id"] = None
    raw, signature = sign_ipn(payload, SECRET)

    assert NowPaymentsWebhook(SECRET).read(raw, signature).notification.order_id == ""


@pytest.mark.parametrize("paid", ["missing", None])
def test_absent_actually_paid_reads_as_zero(paid: object) -> None:
    payload = {key: value for key, value in IPN.items() if key != "actually_paid"}
    if paid is None:
        payload["actually_paid"] = None
    raw, signature = sign_ipn(payload, SECRET)

    assert NowPaymentsWebhook(SECRET).read(raw, signature).notification.actually_paid == Decimal(0)


def test_uppercase_signature_is_accepted() -> None:
    vector = BY_NAME["finished_floats"]

    _hook(vector).read(_body(vector), vector["signature"].upper())


@pytest.mark.parametrize("signature", [None, "", "not-hex", "é" * 128, "00" * 64])
def test_missing_or_foreign_signature_is_rejected(signature: str | None) -> None:
    vector = BY_NAME["finished_floats"]

    with pytest.raises(InvalidSignature):
        _hook(vector).read(_body(vector), signature)


def test_wrong_secret_is_rejected() -> None:
    vector = BY_NAME["finished_floats"]

    with pytest.raises(InvalidSignature):
        NowPaymentsWebhook(b"another-secret").read(_body(vector), vector["signature"])


def test_secret_stays_out_of_repr_and_errors() -> None:
    hook = NowPaymentsWebhook(SECRET)
    raw, _ = sign_ipn(IPN, SECRET)

    with pytest.raises(InvalidSignature) as error:
        hook.read(raw, "00" * 64)

    for text in (repr(hook), str(hook), str(error.value), repr(error.value)):
        assert SECRET.decode() not in text


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        NowPaymentsWebhook(b"")


def test_sign_ipn_round_trips() -> None:
    raw, signature = sign_ipn(IPN, SECRET)

    note = NowPaymentsWebhook(SECRET).read(raw, signature).notification

    assert (note.payment_id, note.order_id, note.status) == ("5077125051", "ord_1", PaymentStatus.FINISHED)
    assert (note.price_amount, note.pay_amount) == (Decimal("12.5"), Decimal("0.000221"))


def test_reformatted_body_keeps_signature_and_dedupe_key() -> None:
    """Key order, spacing and number spelling are outside what is signed."""
    raw, signature = sign_ipn(IPN, SECRET)
    reformatted = json.dumps(dict(reversed(list(IPN.items()))), indent=2).replace("12.5", "12.50").encode()
    hook = NowPaymentsWebhook(SECRET)

    assert hook.read(reformatted, signature).dedupe_key == hook.read(raw, signature).dedupe_key


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1.0, "1"),
        (12.5, "12.5"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (1e-6, "0.000001"),
        (-0.0, "0"),
        (0.1 + 0.2, "0.30000000000000004"),
        (123456789012345678901234567890.0, "1.2345678901234568e+29"),
        (5e-324, "5e-324"),
        (-2.5e-7, "-2.5e-7"),
        (float("inf"), "null"),
        (float("nan"), "null"),
    ],
)
def test_js_number(number: float, expected: str) -> None:
    assert js_number(number) == expected


def test_surrogate_pair_held_as_two_characters_is_one_character() -> None:
    assert js_canonical_json("\ud83c\udfae \ud800") == '"🎮 \\ud800"'


def test_values_without_json_form_are_refused() -> None:
    with pytest.raises(TypeError):
        js_canonical_json(b"bytes")
