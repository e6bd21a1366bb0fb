"""NOWPayments IPNs through `POST /payments/ipn` (docs/payments.md, docs/reliability.md)."""

import json
import logging
from typing import Any

import pytest

from tests.http.conftest import Shop, assert_problem, available, fulfillment_status, order_details, webhooks
from tests.support.racing import concurrently


async def post_ipn(shop: Shop, body: bytes, headers: dict[str, str]) -> Any:
    return await shop.client.post("/payments/ipn", content=body, headers=headers)


async def test_finished_ipn_fulfills_the_order(shop: Shop) -> None:
    product = await shop.product(["KEY-IPN-1", "KEY-IPN-2"])
    order = await shop.order(product["id"], quantity=2)
    body, headers = shop.ipn(order)

    answer = await post_ipn(shop, body, headers)

    assert answer.status_code == 200, answer.text
    assert answer.json()["duplicate"] is False
    assert answer.json()["outcome"] == "applied"
    status = await fulfillment_status(shop, order)
    assert status["status"] == "fulfilled"
    assert status["orderStatus"] == "fulfilled"
    assert status["itemsTotal"] == 1
    assert status["itemsFulfilled"] == 1
    assert status["fulfilledAt"] is not None
    assert [i["status"] for i in status["items"]] == ["fulfilled"]
    assert await available(shop, product["id"]) == 0
    [record] = await webhooks(shop)
    assert record["orderId"] == order["id"]
    assert record["event"] == "finished"
    assert record["outcome"] == "applied"
    assert record["provider"] == "nowpayments"
    assert record["signatureValid"] is True
    assert record["bodySize"] == len(body)


async def test_repeated_ipn_is_acknowledged_and_changes_nothing(shop: Shop) -> None:
    product = await shop.product(["KEY-1", "KEY-2"])
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order)
    assert (await post_ipn(shop, body, headers)).status_code == 200

    again = await post_ipn(shop, body, headers)
    # Same payload, other spelling: key order and spacing are not part of what is signed.
    respelled = json.dumps(dict(reversed(list(json.loads(body).items()))), indent=2).encode()
    third = await post_ipn(shop, respelled, headers)

    assert again.status_code == 200, again.text
    assert again.json()["duplicate"] is True
    assert third.status_code == 200, third.text
    assert third.json()["duplicate"] is True
    # Every delivery is kept; the repeats as duplicates, with one payment between them.
    assert [d["outcome"] for d in await webhooks(shop)] == ["duplicate", "duplicate", "applied"]
    assert len((await order_details(shop, order["id"]))["payments"]) == 1
    assert len((await order_details(shop, order["id"]))["keys"]) == 1
    assert await available(shop, product["id"]) == 1


def one_digit_changed(body: bytes, total: str) -> bytes:
    """The body with one digit of the price changed, still valid JSON."""
    assert body.count(total.encode()) == 1
    changed = total[:-1] + ("8" if total[-1] != "8" else "7")
    altered = body.replace(total.encode(), changed.encode())
    json.loads(altered)
    assert sum(a != b for a, b in zip(body, altered, strict=True)) == 1
    return altered


async def assert_nothing_written(shop: Shop, order: dict[str, Any], product_id: str, stock: int) -> None:
    assert await webhooks(shop) == []
    status = await fulfillment_status(shop, order)
    assert status["orderStatus"] == "awaiting_payment"
    assert status["status"] == "pending"
    details = await order_details(shop, order["id"])
    assert details["payments"] == []
    assert details["keys"] == []
    assert await available(shop, product_id) == stock


async def test_one_changed_byte_in_the_body_is_a_401_and_writes_nothing(shop: Shop) -> None:
    product = await shop.product(["KEY-1"], price="19.99")
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order)

    answer = await post_ipn(shop, one_digit_changed(body, "19.99"), headers)

    assert_problem(answer, 401)
    await assert_nothing_written(shop, order, product["id"], 1)


@pytest.mark.parametrize("position", [0, 64, -1])
async def test_one_changed_character_in_the_signature_is_a_401_and_writes_nothing(
    shop: Shop, position: int
) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order)
    signature = headers["x-nowpayments-sig"]
    flipped = "0" if signature[position] != "0" else "1"
    index = position % len(signature)
    headers = {**headers, "x-nowpayments-sig": signature[:index] + flipped + signature[index + 1 :]}

    answer = await post_ipn(shop, body, headers)

    assert_problem(answer, 401)
    await assert_nothing_written(shop, order, product["id"], 1)


@pytest.mark.parametrize("signature", [None, "", "not-hex", "é" * 128])
async def test_missing_or_garbled_signature_is_a_401(shop: Shop, signature: str | None) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])
    body, _ = shop.ipn(order)
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["x-nowpayments-sig"] = signature

    answer = await shop.client.post(
        "/payments/ipn",
        content=body,
        headers={k.encode("ascii"): v.encode("utf-8") for k, v in headers.items()},
    )

    assert_problem(answer, 401)
    await assert_nothing_written(shop, order, product["id"], 1)


async def test_ipn_signed_with_another_secret_is_a_401(shop: Shop) -> None:
    from bitloot.adapters.payments.nowpayments.webhook import sign_ipn

    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])
    body, _ = shop.ipn(order)
    _, forged = sign_ipn(json.loads(body), b"another secret entirely")

    answer = await post_ipn(shop, body, {"x-nowpayments-sig": forged, "content-type": "application/json"})

    assert_problem(answer, 401)
    await assert_nothing_written(shop, order, product["id"], 1)


@pytest.mark.parametrize("body", [b'{"payment_id": 1,', b"not json", b"", b"[1, 2]", b"\xff\xfe"])
async def test_malformed_json_is_a_400(shop: Shop, body: bytes) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])

    answer = await post_ipn(shop, body, {"x-nowpayments-sig": "0" * 128, "content-type": "application/json"})

    assert_problem(answer, 400)
    await assert_nothing_written(shop, order, product["id"], 1)


async def test_ipn_body_over_64_kib_is_a_413(shop: Shop) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order, padding="x" * (64 * 1024))
    assert len(body) > 64 * 1024

    answer = await post_ipn(shop, body, headers)

    assert_problem(answer, 413)
    await assert_nothing_written(shop, order, product["id"], 1)


async def test_ipn_body_just_under_64_kib_is_accepted(shop: Shop) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order, padding="")
    body, headers = shop.ipn(order, padding="x" * (64 * 1024 - len(body) - 1))
    assert len(body) < 64 * 1024

    answer = await post_ipn(shop, body, headers)

    assert answer.status_code == 200, answer.text
    assert (await fulfillment_status(shop, order))["status"] == "fulfilled"


async def test_ipn_for_an_unknown_order_is_acknowledged_and_recorded_unmatched(shop: Shop) -> None:
    stranger = {"id": "not-one-of-ours", "total": "12.00", "currency": "EUR"}
    body, headers = shop.ipn(stranger)

    answer = await post_ipn(shop, body, headers)

    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "unmatched"
    [record] = await webhooks(shop)
    assert record["orderId"] == "not-one-of-ours"
    assert record["outcome"] == "unmatched"
    assert record["event"] == "finished"
    assert (await shop.client.get("/admin/orders", headers=shop.admin)).json() == []


async def test_partially_paid_makes_the_order_underpaid_and_still_pending(shop: Shop) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])

    await shop.pay(order, "partially_paid")

    status = await fulfillment_status(shop, order)
    assert status["orderStatus"] == "underpaid"
    assert status["status"] == "pending"
    assert status["itemsFulfilled"] == 0
    assert (await order_details(shop, order["id"]))["keys"] == []
    assert await available(shop, product["id"]) == 1


async def test_underpaid_then_finished_is_fulfilled(shop: Shop) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])

    await shop.pay(order, "partially_paid")
    await shop.pay(order, "finished")

    status = await fulfillment_status(shop, order)
    assert status["status"] == "fulfilled"
    assert status["itemsFulfilled"] == 1
    outcomes = sorted((r["event"], r["outcome"]) for r in await webhooks(shop))
    assert outcomes == [("finished", "applied"), ("partially_paid", "applied")]


@pytest.mark.parametrize("late", ["waiting", "confirming", "partially_paid", "expired", "failed"])
async def test_a_late_ipn_after_fulfillment_leaves_it_fulfilled(shop: Shop, late: str) -> None:
    product = await shop.product(["KEY-1", "KEY-2"])
    order = await shop.order(product["id"])
    await shop.pay(order)

    await shop.pay(order, late)

    status = await fulfillment_status(shop, order)
    assert status["status"] == "fulfilled"
    assert status["orderStatus"] == "fulfilled"
    assert len((await order_details(shop, order["id"]))["keys"]) == 1
    assert await available(shop, product["id"]) == 1


async def test_finished_for_another_amount_does_not_fulfill(shop: Shop) -> None:
    product = await shop.product(["KEY-1"], price="19.99")
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order, price_amount=0.01)

    answer = await post_ipn(shop, body, headers)

    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "mismatch"
    assert (await fulfillment_status(shop, order))["orderStatus"] == "awaiting_payment"
    assert await available(shop, product["id"]) == 1


async def test_finished_with_too_little_paid_does_not_fulfill(shop: Shop) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order, actually_paid=0.0001)

    answer = await post_ipn(shop, body, headers)

    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "insufficient"
    assert (await fulfillment_status(shop, order))["orderStatus"] == "awaiting_payment"


async def test_repeated_deposit_is_recorded_but_never_fulfills(shop: Shop) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order, parent_payment_id=5077125051, payment_id=5077125052)

    answer = await post_ipn(shop, body, headers)

    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "repeated_deposit"
    assert (await fulfillment_status(shop, order))["orderStatus"] == "awaiting_payment"
    [record] = await webhooks(shop)
    assert record["outcome"] == "repeated_deposit"


async def test_twenty_concurrent_identical_ipns_fulfill_once_with_one_key(live_shop: Shop) -> None:
    shop = live_shop
    product = await shop.product(["KEY-C-1", "KEY-C-2", "KEY-C-3", "KEY-C-4", "KEY-C-5"])
    order = await shop.order(product["id"], quantity=1)
    body, headers = shop.ipn(order)

    answers = await concurrently(20, lambda: post_ipn(shop, body, headers))

    assert [a.status_code for a in answers] == [200] * 20, [a.text for a in answers if a.status_code != 200]
    assert sum(not a.json()["duplicate"] for a in answers) == 1
    status = await fulfillment_status(shop, order)
    assert status["status"] == "fulfilled"
    assert status["itemsFulfilled"] == 1
    assert await available(shop, product["id"]) == 4
    details = await order_details(shop, order["id"])
    assert len(details["keys"]) == 1
    assert len(details["payments"]) == 1
    # Each of the 20 deliveries is kept once, even those whose first attempt lost the race and retried.
    outcomes = sorted(d["outcome"] for d in await webhooks(shop))
    assert outcomes == ["applied"] + ["duplicate"] * 19
    revealed = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
    assert [k["key"] for k in revealed.json()["keys"]] == [revealed.json()["keys"][0]["key"]]
    assert revealed.json()["keys"][0]["key"].startswith("KEY-C-")


async def test_bad_signature_leaves_a_log_line_without_secrets(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    product = await shop.product(["KEY-1"])
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order)
    forged = "0" * 128
    caplog.set_level(logging.DEBUG, logger="bitloot")

    answer = await post_ipn(shop, body, {**headers, "x-nowpayments-sig": forged})

    assert_problem(answer, 401)
    lines = [r for r in caplog.records if r.name.startswith("bitloot") and r.levelno >= logging.WARNING]
    assert lines, "a refused IPN leaves a log line for the operator"
    for record in lines:
        text = record.getMessage()
        assert forged not in text
        assert headers["x-nowpayments-sig"] not in text
        assert shop.settings.secrets.ipn_secret.decode() not in text
