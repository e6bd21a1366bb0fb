"""IPN numbers (issue 9): NOWPayments signs `JSON.stringify` of the body, where every number is a double.
A number JavaScript does not read as written (`1e999` and a 400-digit integer are Infinity, signed as
`null`; `9007199254740993` is read as ...992) would let a captured genuine IPN be re-spelled under the
same signature into one our rules read differently. Such a body is refused with a 400 before its
signature is checked, and writes nothing: the genuine IPN still does what it says afterwards."""

import json
from typing import Any

import pytest

from bitloot.adapters.payments.nowpayments.webhook import sign_ipn
from tests.http.conftest import Shop, assert_problem, fulfillment_status, order_details, webhooks

IPN = "/payments/ipn"


async def placed_order(shop: Shop) -> dict[str, Any]:
    product = await shop.product(["KEY-NUM-0001"], sku="NUM")
    return await shop.order(product["id"])


async def assert_nothing_written(shop: Shop, order: dict[str, Any]) -> None:
    assert await webhooks(shop) == []
    details = await order_details(shop, order["id"])
    assert details["payments"] == []
    assert details["order"]["status"] == "awaiting_payment"


def respelled(body: bytes, field: str, written: bytes) -> bytes:
    """`body` with the value of `field` written otherwise; the text is json.dumps' (`"key": value`)."""
    start = body.index(f'"{field}": '.encode()) + len(field) + 4
    end = min(i for i in (body.find(b",", start), body.find(b"}", start)) if i != -1)
    return body[:start] + written + body[end:]


async def test_a_400_digit_parent_payment_id_under_a_genuine_signature_is_refused(shop: Shop) -> None:
    """The genuine IPN says `parent_payment_id: null`; JavaScript reads 400 nines as Infinity and signs
    `null` too. Read by its digits it made a repeated deposit, recorded under the genuine IPN's dedupe
    key, so the genuine one was a duplicate and the paid order stayed pending."""
    order = await placed_order(shop)
    genuine, headers = shop.ipn(order, parent_payment_id=None)
    forged = respelled(genuine, "parent_payment_id", b"9" * 400)

    answer = await shop.client.post(IPN, content=forged, headers=headers)

    assert_problem(answer, 400)
    await assert_nothing_written(shop, order)
    accepted = await shop.client.post(IPN, content=genuine, headers=headers)
    assert accepted.json() == {"ok": True, "duplicate": False, "outcome": "applied"}
    assert (await fulfillment_status(shop, order))["status"] == "fulfilled"


@pytest.mark.parametrize(
    "written", [b"1e999", b"-1e999", b"1" + b"0" * 400], ids=["1e999", "-1e999", "400 digits"]
)
async def test_an_infinite_actually_paid_under_a_genuine_signature_is_refused(
    shop: Shop, written: bytes
) -> None:
    """The genuine `finished` IPN has `actually_paid: null` (nothing paid, so it does not fulfil); read
    by its digits, `1e999` paid the order."""
    order = await placed_order(shop)
    genuine, headers = shop.ipn(order, actually_paid=None)
    forged = respelled(genuine, "actually_paid", written)

    answer = await shop.client.post(IPN, content=forged, headers=headers)

    assert_problem(answer, 400)
    await assert_nothing_written(shop, order)
    accepted = await shop.client.post(IPN, content=genuine, headers=headers)
    assert accepted.json()["outcome"] == "insufficient"
    assert (await order_details(shop, order["id"]))["order"]["status"] == "awaiting_payment"


async def test_an_amount_javascript_rounds_under_a_genuine_signature_is_refused(shop: Shop) -> None:
    """`19.990000000000000001` is 19.99 to JavaScript, so the genuine signature covers it; read by its
    digits it was a mismatch recorded under the genuine IPN's dedupe key, stranding the order."""
    order = await placed_order(shop)
    genuine, headers = shop.ipn(order)
    forged = respelled(genuine, "price_amount", order["total"].encode() + b"000000000000000001")

    answer = await shop.client.post(IPN, content=forged, headers=headers)

    assert_problem(answer, 400)
    await assert_nothing_written(shop, order)
    assert (await shop.client.post(IPN, content=genuine, headers=headers)).json()["outcome"] == "applied"


async def test_the_refusal_comes_before_the_signature_check(shop: Shop) -> None:
    """A re-spelled body with a wrong signature is a 400 as well: the answer never tells whether a
    re-spelling kept a valid signature."""
    order = await placed_order(shop)
    genuine, headers = shop.ipn(order, parent_payment_id=None)
    forged = respelled(genuine, "parent_payment_id", b"1e400")

    answer = await shop.client.post(IPN, content=forged, headers={**headers, "x-nowpayments-sig": "00" * 64})

    assert_problem(answer, 400)
    await assert_nothing_written(shop, order)


@pytest.mark.parametrize(
    ("payment_id", "signed_by_node"),
    [
        # JavaScript rounds it to ...992: the signature is over another id than the one written.
        (b"9007199254740993", b"9007199254740992"),
        # A double holds it exactly, but it is no safe integer: in JavaScript it stands for several.
        (b"9007199254740994", b"9007199254740994"),
    ],
)
async def test_a_payment_id_beyond_2_53_is_refused(
    shop: Shop, payment_id: bytes, signed_by_node: bytes
) -> None:
    order = await placed_order(shop)
    genuine, headers = shop.ipn(order)
    body = respelled(genuine, "payment_id", payment_id)
    # The signature as NOWPayments' Node computes it: over the id as JavaScript reads it.
    _, signature = sign_ipn(
        {**json.loads(genuine), "payment_id": int(signed_by_node)}, shop.settings.secrets.ipn_secret
    )

    answer = await shop.client.post(IPN, content=body, headers={**headers, "x-nowpayments-sig": signature})

    assert_problem(answer, 400)
    await assert_nothing_written(shop, order)


async def test_the_largest_safe_payment_id_is_read_as_written(shop: Shop) -> None:
    order = await placed_order(shop)
    body, headers = shop.ipn(order, payment_id=2**53 - 1)

    answer = await shop.client.post(IPN, content=body, headers=headers)

    assert answer.json()["outcome"] == "applied"
    [payment] = (await order_details(shop, order["id"]))["payments"]
    assert payment["paymentId"] == str(2**53 - 1)
