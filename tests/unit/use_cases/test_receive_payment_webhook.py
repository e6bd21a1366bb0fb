"""ReceivePaymentWebhook and ApplyPaymentNotification (docs/payments.md, docs/reliability.md): authenticate,
record, apply, hand over through the outbox."""

import asyncio
import copy
import json
from datetime import timedelta

import pytest

from bitloot.adapters.payments.nowpayments.webhook import sign_ipn
from bitloot.application import log_context
from bitloot.application.errors import InvalidSignature, MalformedNotification
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.place_order import PlacedOrder
from bitloot.application.use_cases.reconcile_fulfillments import ReconcileFulfillments, ReconcileSettings
from bitloot.domain.delivery_email import DeliveryEmailKind
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentOutcome, PaymentStatus
from bitloot.domain.product import Product
from bitloot.domain.request_context import RequestContext
from tests.support.racing import concurrently
from tests.unit.conftest import IPN_SECRET, World


async def paid_ready_order(world: World, keys: int = 1, quantity: int = 1) -> tuple[Product, PlacedOrder]:
    product = await world.product(keys=[f"KEY-{n:04d}" for n in range(keys)])
    return product, await world.order(product, quantity)


def unallocated(world: World, product: Product) -> int:
    return sum(
        1 for unit in world.db.stock.values() if unit.product_id == product.id and unit.item_id is None
    )


async def pending_requests(world: World) -> list[str]:
    return await world.uow().fulfillment_requests.pending(100)


# --- the happy path -----------------------------------------------------------------------------------


async def test_a_finished_ipn_pays_the_order_and_queues_it_once(world: World) -> None:
    _, placed = await paid_ready_order(world)
    order_id = placed.order.id

    result = await world.pay(placed)

    assert result.outcome is PaymentOutcome.APPLIED
    assert result.duplicate is False
    assert result.order_status is OrderStatus.PAID
    assert world.db.orders[order_id].status is OrderStatus.PAID
    # Queued right after the commit; the request written then is not touched again (its
    # `updated_at` is the hand-over), and the reconciler leaves it alone for its grace.
    request = world.db.requests[order_id]
    assert (request.state, request.updated_at) == ("pending", world.clock.now())
    assert world.queue.enqueued == [order_id]
    [record] = world.db.payments.values()
    assert record.order_id == order_id
    assert record.outcome is PaymentOutcome.APPLIED
    assert record.status is PaymentStatus.FINISHED
    assert record.provider == "nowpayments"
    assert record.received_at == world.clock.now()
    world.clock.advance(ReconcileSettings().grace - timedelta(seconds=1))
    assert (
        await ReconcileFulfillments(world.uow(), world.queue, world.clock, ReconcileSettings()).execute() == 0
    )
    assert world.queue.enqueued == [order_id]


# --- authentication and shape -------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["wrong", "missing", "empty", "other-secret", "body-changed", "truncated"])
async def test_a_bad_signature_writes_nothing(world: World, case: str) -> None:
    _, placed = await paid_ready_order(world)
    body, signature = world.ipn(placed.order)
    if case == "wrong":
        signature = ("0" if signature[0] != "0" else "1") + signature[1:]
    elif case == "other-secret":
        body, signature = sign_ipn(json.loads(body), b"someone-elses-secret")
    elif case == "body-changed":
        body = body.replace(b'"finished"', b'"refunded"')
    elif case == "truncated":
        signature = signature[:64]
    sent: str | None = {"missing": None, "empty": ""}.get(case, signature)
    before = copy.deepcopy(world.db)

    with pytest.raises(InvalidSignature):
        await world.payment_use_case().execute(body, sent)

    assert world.db == before
    assert world.db.orders[placed.order.id].status is OrderStatus.AWAITING_PAYMENT
    assert world.db.payments == {}
    assert world.db.requests == {}
    assert world.queue.enqueued == []


@pytest.mark.parametrize("body", [b"", b"not json", b"{", b"[]", b'"finished"', b"\xff\xfe", b"{}{}"])
async def test_a_body_that_is_not_a_json_object_is_malformed(world: World, body: bytes) -> None:
    before = copy.deepcopy(world.db)
    with pytest.raises(MalformedNotification):
        await world.payment_use_case().execute(body, "00" * 64)
    assert world.db == before
    assert world.queue.enqueued == []


async def test_a_signed_body_of_the_wrong_shape_is_malformed(world: World) -> None:
    _, placed = await paid_ready_order(world)
    before = copy.deepcopy(world.db)
    for changes in ({"payment_status": "paid-ish"}, {"price_amount": "lots"}, {"actually_paid": -1}):
        body, signature = world.ipn(placed.order, **changes)
        with pytest.raises(MalformedNotification):
            await world.payment_use_case().execute(body, signature)
    assert world.db == before
    assert world.queue.enqueued == []


# --- duplicates and races -----------------------------------------------------------------------------


async def test_the_same_ipn_twice_is_a_duplicate_the_second_time(world: World) -> None:
    _, placed = await paid_ready_order(world)
    body, signature = world.ipn(placed.order)

    first = await world.payment_use_case().execute(body, signature)
    second = await world.payment_use_case().execute(body, signature)

    assert first.outcome is PaymentOutcome.APPLIED
    assert first.duplicate is False
    assert second.duplicate is True
    assert second.outcome is None
    assert world.queue.enqueued == [placed.order.id]
    assert len(world.db.payments) == 1


async def test_the_same_payload_spelled_differently_is_still_a_duplicate(world: World) -> None:
    _, placed = await paid_ready_order(world)
    body, signature = world.ipn(placed.order)
    respelled = json.dumps(dict(reversed(list(json.loads(body).items()))), indent=2).encode()

    await world.payment_use_case().execute(body, signature)
    again = await world.payment_use_case().execute(respelled, signature)

    assert again.duplicate is True
    assert world.queue.enqueued == [placed.order.id]
    assert len(world.db.payments) == 1


async def test_twenty_concurrent_identical_ipns_apply_once_and_sell_one_key(any_world: World) -> None:
    world = any_world
    product, placed = await paid_ready_order(world, keys=5)
    order_id = placed.order.id
    body, signature = world.ipn(placed.order)

    results = await concurrently(20, lambda: world.payment_use_case().execute(body, signature))

    assert [r.outcome for r in results].count(PaymentOutcome.APPLIED) == 1
    assert sum(r.duplicate for r in results) == 19
    assert world.queue.enqueued == [order_id]
    assert len(world.db.payments) == 1
    assert world.db.orders[order_id].status is OrderStatus.PAID

    # Every queued job, redelivered jobs and a few extra runs, some of them concurrently.
    assert unallocated(world, product) == 5
    jobs = [*world.queue.enqueued, order_id, order_id, order_id]
    outcomes = await asyncio.gather(
        *(world.fulfill_use_case(worker=f"worker-{n}").execute(job) for n, job in enumerate(jobs))
    )
    outcomes += [await world.fulfill_use_case(worker="late").execute(order_id) for _ in range(2)]

    assert outcomes.count(FulfillOutcome.FULFILLED) == 1
    assert set(outcomes) == {FulfillOutcome.FULFILLED, FulfillOutcome.SKIPPED}
    assert unallocated(world, product) == 4
    assert len(world.db.keys) == 1
    await world.send_delivery_emails_use_case().execute()
    # The order received, and delivered: one email each.
    assert sorted(n.kind for n in world.email_sender.sent) == sorted(
        [DeliveryEmailKind.ORDER_RECEIVED, DeliveryEmailKind.ORDER_FULFILLED]
    )
    assert world.db.orders[order_id].status is OrderStatus.FULFILLED


async def test_a_different_notification_for_a_paid_order_is_recorded_but_changes_nothing(
    world: World,
) -> None:
    _, placed = await paid_ready_order(world)
    await world.payment_use_case().execute(*world.ipn(placed.order, payment_id=1001))
    # Another `finished` IPN for the same order (a new payment id): recorded, not applied twice.
    second = await world.payment_use_case().execute(*world.ipn(placed.order, payment_id=1002))

    assert second.outcome is PaymentOutcome.NO_CHANGE
    assert second.duplicate is False
    assert len(world.db.payments) == 2
    assert world.queue.enqueued == [placed.order.id]


# --- what the notification says -----------------------------------------------------------------------


async def test_a_notification_for_an_unknown_order_is_recorded_as_unmatched(world: World) -> None:
    elsewhere = World()
    stranger = await elsewhere.order(await elsewhere.product(keys=["X"]))
    body, signature = world.ipn(stranger.order)

    result = await world.payment_use_case().execute(body, signature)

    assert result.outcome is PaymentOutcome.UNMATCHED
    assert result.order_status is None
    [record] = world.db.payments.values()
    assert record.order_id == stranger.order.id
    assert record.outcome is PaymentOutcome.UNMATCHED
    assert world.db.orders == {}
    assert world.db.requests == {}
    assert world.queue.enqueued == []


async def test_a_notification_without_an_order_id_is_unmatched(world: World) -> None:
    _, placed = await paid_ready_order(world)
    payload = json.loads(world.ipn(placed.order)[0])
    del payload["order_id"]
    body, signature = sign_ipn(payload, IPN_SECRET)

    result = await world.payment_use_case().execute(body, signature)

    assert result.outcome is PaymentOutcome.UNMATCHED
    assert world.db.orders[placed.order.id].status is OrderStatus.AWAITING_PAYMENT
    assert world.queue.enqueued == []


async def test_partially_paid_makes_the_order_underpaid_and_queues_nothing(world: World) -> None:
    _, placed = await paid_ready_order(world)

    result = await world.pay(placed, PaymentStatus.PARTIALLY_PAID)

    assert result.outcome is PaymentOutcome.APPLIED
    assert result.order_status is OrderStatus.UNDERPAID
    assert world.db.orders[placed.order.id].status is OrderStatus.UNDERPAID
    assert world.db.requests == {}
    assert world.queue.enqueued == []

    # The customer tops up; NOWPayments then reports `finished`.
    assert (await world.pay(placed)).order_status is OrderStatus.PAID
    assert world.queue.enqueued == [placed.order.id]


@pytest.mark.parametrize(
    ("changes", "outcome"),
    [
        ({"price_amount": 0.01}, PaymentOutcome.MISMATCH),
        ({"price_currency": "usd"}, PaymentOutcome.MISMATCH),
        ({"actually_paid": 0.5}, PaymentOutcome.INSUFFICIENT),
        ({"parent_payment_id": 4242}, PaymentOutcome.REPEATED_DEPOSIT),
    ],
)
async def test_a_finished_ipn_that_does_not_add_up_is_recorded_not_applied(
    world: World, changes: dict[str, object], outcome: PaymentOutcome
) -> None:
    _, placed = await paid_ready_order(world)
    body, signature = world.ipn(placed.order, PaymentStatus.FINISHED, **changes)

    result = await world.payment_use_case().execute(body, signature)

    assert result.outcome is outcome
    assert result.order_status is OrderStatus.AWAITING_PAYMENT
    assert world.db.orders[placed.order.id].status is OrderStatus.AWAITING_PAYMENT
    [record] = world.db.payments.values()
    assert record.outcome is outcome
    assert world.db.requests == {}
    assert world.queue.enqueued == []


async def test_a_queue_outage_still_commits_the_payment_and_leaves_the_request_pending(world: World) -> None:
    _, placed = await paid_ready_order(world)
    order_id = placed.order.id
    world.queue.unavailable = True

    result = await world.pay(placed)

    assert result.outcome is PaymentOutcome.APPLIED
    assert world.db.orders[order_id].status is OrderStatus.PAID
    assert world.db.requests[order_id].state == "pending"
    assert await pending_requests(world) == [order_id]
    assert world.queue.enqueued == []
    assert len(world.db.payments) == 1

    # Once the broker is back, the reconciler hands the outbox row over and it leaves the pending list.
    world.queue.unavailable = False
    world.clock.advance(timedelta(minutes=1))
    reconciler = ReconcileFulfillments(world.uow(), world.queue, world.clock, ReconcileSettings())
    assert await reconciler.execute() == 1
    assert world.queue.enqueued == [order_id]
    assert await pending_requests(world) == []


async def test_a_job_re_queued_after_an_outage_carries_the_request_id_of_the_ipn(world: World) -> None:
    _, placed = await paid_ready_order(world)
    order_id = placed.order.id
    world.queue.unavailable = True
    with log_context.bound(request_id="ipn-edge-7"):
        await world.pay(placed)
    assert world.db.requests[order_id].context == RequestContext("ipn-edge-7")

    world.queue.unavailable = False
    world.clock.advance(timedelta(minutes=1))
    reconciler = ReconcileFulfillments(world.uow(), world.queue, world.clock, ReconcileSettings())
    assert log_context.current_request_id() is None, "the reconciler works for no request"
    assert await reconciler.execute() == 1

    assert world.queue.enqueued == [order_id]
    assert world.queue.contexts == [RequestContext("ipn-edge-7")]


@pytest.mark.parametrize(
    ("late", "outcome"),
    [
        (PaymentStatus.WAITING, PaymentOutcome.NO_CHANGE),
        (PaymentStatus.CONFIRMING, PaymentOutcome.NO_CHANGE),
        (PaymentStatus.PARTIALLY_PAID, PaymentOutcome.STALE),
        (PaymentStatus.EXPIRED, PaymentOutcome.STALE),
        (PaymentStatus.FAILED, PaymentOutcome.STALE),
    ],
)
async def test_a_late_notification_never_moves_a_paid_order_back(
    world: World, late: PaymentStatus, outcome: PaymentOutcome
) -> None:
    _, placed = await paid_ready_order(world)
    await world.pay(placed)

    result = await world.pay(placed, late)

    assert result.outcome is outcome
    assert result.order_status is OrderStatus.PAID
    assert world.db.orders[placed.order.id].status is OrderStatus.PAID
    assert world.queue.enqueued == [placed.order.id]
    assert len(world.db.payments) == 2


async def test_a_late_finished_after_fulfillment_is_stale_and_a_refund_applies(world: World) -> None:
    placed = await world.fulfilled_order()
    order_id = placed.order.id

    # A new payment id: the simulator's ids are only unique per millisecond.
    late = await world.payment_use_case().execute(*world.ipn(placed.order, payment_id=1003))
    assert late.outcome is PaymentOutcome.STALE
    assert world.db.orders[order_id].status is OrderStatus.FULFILLED
    assert world.queue.enqueued == [order_id]

    refund = await world.pay(placed, PaymentStatus.REFUNDED)
    assert refund.outcome is PaymentOutcome.APPLIED
    assert refund.order_status is OrderStatus.REFUNDED
    assert world.db.orders[order_id].status is OrderStatus.REFUNDED
