"""NOWPayments numbers read by one rule (issue 9): a payment's amounts and ids are read only when
JavaScript (which NOWPayments signs and answers with) reads them as written, from the one value that was
parsed; the IPN refuses such a body before its signature, the API lookup skips such a payment. Bodies and
answers nested deeper than the cap are refused before they are parsed."""

import hashlib
import hmac
from decimal import Decimal

import httpx
import pytest

from bitloot.adapters.json_nesting import MAX_DEPTH
from bitloot.adapters.payments.nowpayments.canonical_json import JsNumber, js_canonical_json, parse_json
from bitloot.adapters.payments.nowpayments.gateway import NowPaymentsGateway
from bitloot.adapters.payments.nowpayments.payload import amount, identifier
from bitloot.adapters.payments.nowpayments.settings import NowPaymentsSettings
from bitloot.adapters.payments.nowpayments.webhook import NowPaymentsWebhook
from bitloot.application.errors import InvalidSignature, MalformedNotification, PaymentProviderUnavailable
from bitloot.application.ports.payments import VerifiedNotification
from tests.factories.domain import OrderFactory

SECRET = b"unit-test-ipn-secret"
WEBHOOK = NowPaymentsWebhook(SECRET)
GENUINE = (
    b'{"payment_id":5077125051,"parent_payment_id":null,"payment_status":"finished","order_id":"ord_1",'
    b'"price_amount":12.50,"price_currency":"eur","pay_amount":0.000221,"actually_paid":0.000221,'
    b'"pay_currency":"btc","fee":{"depositFee":0.0001}}'
)


def node_signature(body: bytes) -> str:
    """The signature NOWPayments' Node computes: over `JSON.stringify` of the body as JavaScript reads it."""
    return hmac.new(SECRET, js_canonical_json(parse_json(body)).encode(), hashlib.sha512).hexdigest()


SIGNATURE = node_signature(GENUINE)

# Re-spellings of GENUINE that JavaScript reads as GENUINE, so that its signature holds for them.
RESPELLINGS = {
    "400-digit parent id": (b'"parent_payment_id":null', b'"parent_payment_id":' + b"9" * 400),
    "parent id 1e400": (b'"parent_payment_id":null', b'"parent_payment_id":1e400'),
    "rounded price": (b'"price_amount":12.50', b'"price_amount":12.5000000000000000001'),
    "payment id JavaScript rounds": (b'"payment_id":5077125051', b'"payment_id":5077125051.00000000000001'),
}


def respelled(name: str) -> bytes:
    old, new = RESPELLINGS[name]
    assert GENUINE.count(old) == 1
    return GENUINE.replace(old, new)


def test_the_genuine_body_reads_its_amounts_as_written() -> None:
    note = WEBHOOK.read(GENUINE, SIGNATURE).notification

    assert str(note.price_amount) == "12.50"
    assert note.actually_paid == Decimal("0.000221")
    assert note.parent_payment_id is None


@pytest.mark.parametrize(
    "name", ["400-digit parent id", "parent id 1e400", "rounded price", "payment id JavaScript rounds"]
)
def test_a_respelled_genuine_ipn_keeps_its_signature_yet_is_refused(name: str) -> None:
    body = respelled(name)
    assert js_canonical_json(parse_json(body)) == js_canonical_json(parse_json(GENUINE))

    with pytest.raises(MalformedNotification):
        WEBHOOK.read(body, SIGNATURE)


def test_infinity_for_a_null_actually_paid_is_refused() -> None:
    """A genuine IPN with `actually_paid: null`, re-spelled `1e999`: both are signed as `null`."""
    genuine = GENUINE.replace(b'"actually_paid":0.000221', b'"actually_paid":null')
    signature = node_signature(genuine)
    assert WEBHOOK.read(genuine, signature).notification.actually_paid == 0

    with pytest.raises(MalformedNotification):
        WEBHOOK.read(genuine.replace(b'"actually_paid":null', b'"actually_paid":1e999'), signature)


@pytest.mark.parametrize("signature", [None, "00" * 64])
def test_a_misread_number_is_refused_before_the_signature(signature: str | None) -> None:
    with pytest.raises(MalformedNotification):
        WEBHOOK.read(respelled("parent id 1e400"), signature)
    with pytest.raises(InvalidSignature):
        WEBHOOK.read(GENUINE, signature)


def test_a_misread_number_in_a_field_we_do_not_read_is_left_to_the_signature() -> None:
    """JavaScript's reading is the only one of such a field: the body is signed as JavaScript reads it
    (the Node vectors hold `1e400` and `9007199254740993` in an `extra` object)."""
    body = GENUINE.replace(b'"fee":{', b'"extra":{"overflow":1e400,"big":9007199254740993},"fee":{')
    assert WEBHOOK.read(body, node_signature(body)).notification.payment_id == "5077125051"


def test_a_body_nested_just_past_the_cap_is_refused_before_the_signature() -> None:
    def nested(depth: int) -> bytes:
        return GENUINE.replace(b'"fee":{', b'"x":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b',"fee":{')

    at_cap = nested(MAX_DEPTH)
    WEBHOOK.read(at_cap, node_signature(at_cap))
    with pytest.raises(MalformedNotification):
        WEBHOOK.read(nested(MAX_DEPTH + 1), None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.50", Decimal("12.50")),
        ("0", Decimal(0)),
        ("1E-7", Decimal("1E-7")),
        ("-1", None),
        ("1e999", None),
    ],
)
def test_amounts(text: str, expected: Decimal | None) -> None:
    assert amount(JsNumber(text)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (JsNumber("5077125051"), "5077125051"),
        (JsNumber(str(2**53 - 1)), str(2**53 - 1)),
        (JsNumber(str(2**53)), None),
        (JsNumber("9" * 5000), None),
        (JsNumber("5077125051.0"), None),
        (JsNumber("5.077125051e9"), None),
        ("pay_1", "pay_1"),
        ("", None),
        (True, None),
    ],
)
def test_identifiers(value: object, expected: str | None) -> None:
    assert identifier(value) == expected


# --- the API lookup reads by the same rules ----------------------------------------------------------


def payment_answer(order_id: str, **written: bytes) -> bytes:
    fields = {
        "payment_id": b"5077125051",
        "payment_status": b'"finished"',
        "order_id": f'"{order_id}"'.encode(),
        "price_amount": b"19.99",
        "price_currency": b'"eur"',
        "pay_amount": b"0.00032",
        "actually_paid": b"0.00032",
        "pay_currency": b'"btc"',
        "parent_payment_id": b"null",
        **written,
    }
    return b"{" + b",".join(b'"' + name.encode() + b'":' + value for name, value in fields.items()) + b"}"


async def looked_up(answer: bytes) -> list[VerifiedNotification]:
    order = OrderFactory.build()

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=answer.replace(b"{order}", order.id.encode()))

    gateway = NowPaymentsGateway(
        NowPaymentsSettings(api_key="key-0123456789", attempts=1),
        "https://shop.example",
        transport=httpx.MockTransport(handler),
    )
    try:
        return await gateway.payments_for(order, ["5077125051"])
    finally:
        await gateway.aclose()


async def test_the_lookup_reads_a_payment_as_written() -> None:
    [found] = await looked_up(payment_answer("{order}"))

    assert found.notification.price_amount == Decimal("19.99")
    assert found.notification.parent_payment_id is None


@pytest.mark.parametrize(
    "written",
    [
        {"actually_paid": b"1e999"},
        {"parent_payment_id": b"9" * 400},
        {"price_amount": b"19.990000000000000001"},
        {"payment_id": b"9007199254740993"},
    ],
    ids=["paid 1e999", "400-digit parent id", "rounded price", "rounded id"],
)
async def test_the_lookup_skips_a_payment_javascript_reads_otherwise(written: dict[str, bytes]) -> None:
    assert await looked_up(payment_answer("{order}", **written)) == []


async def test_a_deeply_nested_answer_is_the_provider_failing() -> None:
    deep = payment_answer("{order}", extra=b"[" * 1000 + b"]" * 1000)

    with pytest.raises(PaymentProviderUnavailable):
        await looked_up(deep)
