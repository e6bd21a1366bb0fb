"""One reader per provider payload (issue 10): the IPN and the API lookup read a NOWPayments payment by
the same rules, and Kinguin's API answers and webhook events read an id, a status and a time by the
same rules. These pin the rules where the two readers used to differ."""

from collections.abc import Mapping
from decimal import Decimal

import pytest

from bitloot.adapters.payments.nowpayments.canonical_json import parse_json
from bitloot.adapters.payments.nowpayments.payload import read_payment
from bitloot.adapters.suppliers.kinguin.payload import identifier, read_order, read_order_status
from bitloot.application.errors import MalformedNotification, SupplierUnavailable

PAYMENT = (
    b'{"payment_id":5077125051,"payment_status":"finished","order_id":"ord_1","price_amount":19.99,'
    b'"price_currency":"eur","pay_amount":0.00032,"actually_paid":0.00032,"pay_currency":"btc"}'
)


def payment(**changes: bytes) -> Mapping[str, object]:
    body = parse_json(PAYMENT)
    assert isinstance(body, dict)
    return {**body, **{name: parse_json(value) for name, value in changes.items()}}


def test_a_payment_is_read_with_its_amounts_as_written() -> None:
    note = read_payment(payment())

    assert (note.payment_id, note.order_id, note.price_amount) == ("5077125051", "ord_1", Decimal("19.99"))


@pytest.mark.parametrize(
    "changes",
    [
        {"price_amount": b'"19.99"'},
        {"pay_amount": b'"0.00032"'},
        {"actually_paid": b'"0.00032"'},
        {"payment_status": b'"paid-ish"'},
        {"order_id": b"7"},
        {"parent_payment_id": b'""'},
        {"actually_paid": b"1e999"},
    ],
    ids=["price string", "pay string", "paid string", "status", "order id number", "empty parent", "inf"],
)
def test_a_payment_either_reader_would_refuse_is_refused(changes: dict[str, bytes]) -> None:
    with pytest.raises(MalformedNotification):
        read_payment(payment(**changes))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("KG1", "KG1"), (42, "42"), (True, None), ("   ", None), ("", None), ("x" * 65, None), (1.5, None)],
)
def test_a_kinguin_id_is_read_by_one_rule(value: object, expected: str | None) -> None:
    assert identifier(value) == expected


def test_an_api_order_needs_only_a_usable_id() -> None:
    order = read_order({"orderId": 7, "orderExternalId": True, "createdAt": "2026-01-01T12:00:00Z"})

    assert (order.order_id, order.external_id, order.status) == ("7", None, "unknown")
    assert order.updated_at is not None
    with pytest.raises(SupplierUnavailable):
        read_order({"orderId": True})


@pytest.mark.parametrize("change", [{"orderId": True}, {"orderExternalId": "  "}, {"status": ""}])
def test_an_order_status_event_needs_every_field_by_the_same_rules(change: dict[str, object]) -> None:
    event = {"orderId": "KG1", "orderExternalId": "item-1", "status": "completed", "updatedAt": "2026-01-01"}
    assert read_order_status(event).status == "completed"

    with pytest.raises(MalformedNotification):
        read_order_status({**event, **change})
