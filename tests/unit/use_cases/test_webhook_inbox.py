"""The webhook inbox and replay (docs/http-api.md, docs/payments.md): every authenticated delivery is kept
with its outcome in the transaction of the payment it records, and an operator's replay changes nothing that
already happened."""

import copy
import json
from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest

from bitloot.adapters.payments.nowpayments.webhook import NowPaymentsWebhook, sign_ipn
from bitloot.application.errors import Conflict, InvalidSignature, MalformedNotification, NotFound
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.get_order_details import GetOrderDetails
from bitloot.application.use_cases.get_webhook_delivery import GetWebhookDelivery
from bitloot.application.use_cases.list_webhook_deliveries import ListWebhookDeliveries
from bitloot.application.use_cases.replay_webhook import (
    PaymentWebhookReplayer,
    ReplayWebhook,
    WebhookReplayer,
)
from bitloot.domain.errors import InvalidValue
from bitloot.domain.ids import new_id
from bitloot.domain.operator_audit import Actor
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentOutcome, PaymentStatus
from bitloot.domain.webhook import MAX_BODY_BYTES, WebhookDelivery
from tests.factories.domain import WebhookDeliveryFactory
from tests.fakes.state import MemoryDatabase
from tests.fakes.unit_of_work import InMemoryUnitOfWork
from tests.support.racing import concurrently
from tests.unit.conftest import IPN_SECRET, World
from tests.unit.use_cases.test_receive_payment_webhook import paid_ready_order

ACTOR = Actor.command_line()


def replay_use_case(world: World, *extra: tuple[str, WebhookReplayer]) -> ReplayWebhook:
    replayer = PaymentWebhookReplayer(world.webhook, world.apply_payment_use_case())
    return ReplayWebhook(world.uow(), {"nowpayments": replayer, **dict(extra)})


def deliveries(world: World) -> list[WebhookDelivery]:
    return sorted(world.db.webhooks.values(), key=lambda d: (d.received_at, d.id))


@dataclass
class Snapshot:
    """Everything a notification could change, except the inbox itself and the operator audit
    (a replay is audited: tests/unit/use_cases/test_replay_audit.py)."""

    db: MemoryDatabase
    enqueued: list[str]
    notified: int

    @classmethod
    def of(cls, world: World) -> "Snapshot":
        db = copy.deepcopy(world.db)
        db.webhooks = {}
        db.operator_actions = []
        return cls(db, list(world.queue.enqueued), len(world.email_sender.sent))


# --- what an IPN leaves in the inbox ------------------------------------------------------------------


async def test_a_valid_ipn_is_kept_with_its_outcome_and_its_payment(world: World) -> None:
    _, placed = await paid_ready_order(world)
    body, signature = world.ipn(placed.order)

    result = await world.payment_use_case().execute(body, signature)

    [delivery] = world.db.webhooks.values()
    [payment] = world.db.payments.values()
    assert result.delivery == delivery
    assert delivery.provider == "nowpayments"
    assert delivery.event == "finished"
    assert delivery.raw_body == body
    assert delivery.signature == signature
    assert delivery.signature_valid is True
    assert delivery.dedupe_key == payment.dedupe_key
    assert delivery.outcome == "applied"
    assert delivery.order_id == placed.order.id
    assert delivery.received_at == world.clock.now()
    assert delivery.replayed_from is None


async def test_a_repeated_ipn_is_kept_as_a_duplicate_and_records_no_second_payment(world: World) -> None:
    _, placed = await paid_ready_order(world)
    body, signature = world.ipn(placed.order)
    respelled = json.dumps(json.loads(body), indent=2).encode()

    await world.payment_use_case().execute(body, signature)
    world.clock.advance(timedelta(seconds=1))
    again = await world.payment_use_case().execute(respelled, signature)

    assert again.duplicate is True
    assert len(world.db.payments) == 1
    first, second = deliveries(world)
    assert (first.outcome, second.outcome) == ("applied", "duplicate")
    assert second.raw_body == respelled
    assert second.dedupe_key == first.dedupe_key
    assert world.queue.enqueued == [placed.order.id]


@pytest.mark.parametrize(
    ("status", "changes", "outcome"),
    [
        (PaymentStatus.PARTIALLY_PAID, {}, "applied"),
        (PaymentStatus.WAITING, {}, "no_change"),
        (PaymentStatus.FINISHED, {"price_amount": 0.01}, "mismatch"),
        (PaymentStatus.FINISHED, {"actually_paid": 0.5}, "insufficient"),
        (PaymentStatus.FINISHED, {"parent_payment_id": 4242}, "repeated_deposit"),
    ],
)
async def test_each_outcome_is_kept_with_the_delivery(
    world: World, status: PaymentStatus, changes: dict[str, object], outcome: str
) -> None:
    _, placed = await paid_ready_order(world)

    await world.payment_use_case().execute(*world.ipn(placed.order, status, **changes))

    [delivery] = world.db.webhooks.values()
    [payment] = world.db.payments.values()
    assert delivery.outcome == payment.outcome.value == outcome
    assert delivery.event == status.value


async def test_an_ipn_for_an_unknown_or_no_order_is_kept_as_unmatched(world: World) -> None:
    _, placed = await paid_ready_order(world)
    await world.payment_use_case().execute(*world.ipn(placed.order, order_id="not-ours"))
    payload = json.loads(world.ipn(placed.order, payment_id=77)[0])
    del payload["order_id"]
    await world.payment_use_case().execute(*sign_ipn(payload, IPN_SECRET))

    assert sorted((d.order_id or "", d.outcome) for d in world.db.webhooks.values()) == [
        ("", "unmatched"),
        ("not-ours", "unmatched"),
    ]
    assert [d.order_id for d in world.db.webhooks.values() if not d.order_id] == [None]


async def test_a_bad_signature_or_a_malformed_body_keeps_nothing(world: World) -> None:
    _, placed = await paid_ready_order(world)
    body, signature = world.ipn(placed.order)
    forged = "0" * len(signature)

    with pytest.raises(InvalidSignature):
        await world.payment_use_case().execute(body, forged)
    with pytest.raises(InvalidSignature):
        await world.payment_use_case().execute(body, None)
    with pytest.raises(MalformedNotification):
        await world.payment_use_case().execute(b"{not json", signature)
    with pytest.raises(MalformedNotification):
        await world.payment_use_case().execute(*world.ipn(placed.order, payment_status="paid-ish"))

    assert world.db.webhooks == {}
    assert world.db.payments == {}


async def test_a_body_over_64_kib_is_refused_before_anything_is_written(world: World) -> None:
    _, placed = await paid_ready_order(world)
    body, signature = world.ipn(placed.order, padding="x" * MAX_BODY_BYTES)
    assert len(body) > MAX_BODY_BYTES

    with pytest.raises(InvalidValue):
        await world.payment_use_case().execute(body, signature)

    assert world.db.webhooks == {}
    assert world.db.payments == {}
    assert world.db.orders[placed.order.id].status is OrderStatus.AWAITING_PAYMENT


async def test_a_notice_from_the_providers_api_is_applied_without_an_inbox_entry(world: World) -> None:
    _, placed = await paid_ready_order(world)
    verified = world.webhook.read(*world.ipn(placed.order))

    result = await world.apply_payment_use_case().execute(verified)
    again = await world.apply_payment_use_case().execute(verified)

    assert result.outcome is PaymentOutcome.APPLIED
    assert result.delivery is None
    assert again.duplicate is True
    assert world.db.orders[placed.order.id].status is OrderStatus.PAID
    assert world.db.webhooks == {}
    assert world.queue.enqueued == [placed.order.id]


async def test_twenty_concurrent_identical_ipns_keep_one_applied_and_nineteen_duplicates(
    any_world: World,
) -> None:
    """The losers of the race retry after a `ConcurrencyConflict`; the delivery staged by a lost
    attempt is dropped with it, so each request leaves exactly one delivery."""
    world = any_world
    _, placed = await paid_ready_order(world, keys=5)
    body, signature = world.ipn(placed.order)

    results = await concurrently(20, lambda: world.payment_use_case().execute(body, signature))

    outcomes = sorted(d.outcome for d in world.db.webhooks.values())
    assert outcomes == ["applied"] + ["duplicate"] * 19
    assert {r.delivery.id for r in results if r.delivery} == set(world.db.webhooks)
    assert len(world.db.payments) == 1
    assert world.queue.enqueued == [placed.order.id]


# --- replay ---------------------------------------------------------------------------------------------


async def test_replaying_a_stored_ipn_twice_changes_nothing_the_second_time(world: World) -> None:
    product, placed = await paid_ready_order(world, keys=3)
    order_id = placed.order.id
    await world.pay(placed)
    assert await world.fulfill_use_case().execute(order_id) is FulfillOutcome.FULFILLED
    [original] = world.db.webhooks.values()

    world.clock.advance(timedelta(seconds=1))
    first = await replay_use_case(world).execute(original.id, ACTOR)
    after_first = Snapshot.of(world)
    world.clock.advance(timedelta(seconds=1))
    second = await replay_use_case(world).execute(original.id, ACTOR)

    assert Snapshot.of(world) == after_first
    assert world.db.orders[order_id].status is OrderStatus.FULFILLED
    assert len(world.db.payments) == 1
    assert len(world.db.keys) == 1
    assert sum(1 for unit in world.db.stock.values() if unit.item_id is None) == 2
    assert world.queue.enqueued == [order_id]
    for replayed in (first, second):
        assert replayed.outcome == "duplicate"
        assert replayed.replayed_from == original.id
        assert replayed.raw_body == original.raw_body
        assert replayed.signature == original.signature
        assert replayed.signature_valid is True
        assert world.db.webhooks[replayed.id] == replayed
    assert [d.id for d in deliveries(world)] == [original.id, first.id, second.id]
    assert product.id in {unit.product_id for unit in world.db.stock.values()}


async def test_replaying_an_earlier_partially_paid_after_finished_does_not_move_the_order_back(
    world: World,
) -> None:
    _, placed = await paid_ready_order(world)
    order_id = placed.order.id
    await world.pay(placed, PaymentStatus.PARTIALLY_PAID)
    [partial] = world.db.webhooks.values()
    world.clock.advance(timedelta(seconds=1))
    await world.pay(placed)
    assert world.db.orders[order_id].status is OrderStatus.PAID
    before = Snapshot.of(world)

    replayed = await replay_use_case(world).execute(partial.id, ACTOR)

    assert replayed.outcome == "duplicate"
    assert replayed.event == "partially_paid"
    assert world.db.orders[order_id].status is OrderStatus.PAID
    assert Snapshot.of(world) == before


async def test_a_replay_whose_signature_no_longer_verifies_is_refused_and_writes_nothing(
    world: World,
) -> None:
    _, placed = await paid_ready_order(world)
    await world.pay(placed)
    [original] = world.db.webhooks.values()
    before = copy.deepcopy(world.db)
    # The IPN secret was rotated since the delivery was stored.
    rotated = PaymentWebhookReplayer(NowPaymentsWebhook(b"the-new-secret"), world.apply_payment_use_case())

    with pytest.raises(Conflict):
        await ReplayWebhook(world.uow(), {"nowpayments": rotated}).execute(original.id, ACTOR)

    assert world.db == before


async def test_a_stored_delivery_changed_by_hand_no_longer_replays(world: World) -> None:
    _, placed = await paid_ready_order(world)
    await world.pay(placed, PaymentStatus.PARTIALLY_PAID)
    [original] = world.db.webhooks.values()
    tampered = replace(original, raw_body=original.raw_body.replace(b"partially_paid", b"finished"))
    world.db.webhooks[original.id] = tampered
    before = copy.deepcopy(world.db)

    with pytest.raises(Conflict):
        await replay_use_case(world).execute(original.id, ACTOR)

    assert world.db == before
    assert world.db.orders[placed.order.id].status is OrderStatus.UNDERPAID


async def test_replaying_an_unknown_delivery_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await replay_use_case(world).execute(new_id(), ACTOR)
    assert world.db.webhooks == {}


@dataclass
class RecordingReplayer:
    """A stand-in for another provider's replayer: records a replay delivery as a real one would."""

    db: MemoryDatabase
    replayed: list[str] = field(default_factory=list)

    async def replay(self, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
        self.replayed.append(delivery.id)
        again = replace(delivery, id=new_id(), outcome="stale", replayed_from=delivery.id)
        uow = InMemoryUnitOfWork(self.db)
        await uow.webhooks.add(again)
        await uow.commit()
        return again


async def kinguin_delivery(world: World) -> WebhookDelivery:
    delivery = WebhookDeliveryFactory.build(
        provider="kinguin",
        raw_body=b'{"orderId":"K1","status":"completed"}',
        dedupe_key=None,
        order_id=None,
        received_at=world.clock.now(),
    )
    uow = world.uow()
    await uow.webhooks.add(delivery)
    await uow.commit()
    return delivery


async def test_a_delivery_is_replayed_by_its_providers_replayer(world: World) -> None:
    delivery = await kinguin_delivery(world)
    kinguin = RecordingReplayer(world.db)

    replayed = await replay_use_case(world, ("kinguin", kinguin)).execute(delivery.id, ACTOR)

    assert kinguin.replayed == [delivery.id]
    assert replayed.replayed_from == delivery.id
    assert replayed.outcome == "stale"


async def test_a_provider_without_a_replayer_cannot_be_replayed(world: World) -> None:
    delivery = await kinguin_delivery(world)

    with pytest.raises(Conflict):
        await replay_use_case(world).execute(delivery.id, ACTOR)

    assert list(world.db.webhooks) == [delivery.id]


# --- what the operator reads ----------------------------------------------------------------------------


async def test_the_inbox_lists_newest_first_and_one_delivery_with_its_body(world: World) -> None:
    _, placed = await paid_ready_order(world)
    await world.pay(placed, PaymentStatus.PARTIALLY_PAID)
    world.clock.advance(timedelta(seconds=1))
    await world.pay(placed)
    world.clock.advance(timedelta(seconds=1))
    kinguin = await kinguin_delivery(world)
    world.clock.advance(timedelta(seconds=1))
    [partial] = [d for d in world.db.webhooks.values() if d.event == "partially_paid"]
    replayed = await replay_use_case(world).execute(partial.id, ACTOR)

    listed = await ListWebhookDeliveries(world.uow()).execute()
    nowpayments = await ListWebhookDeliveries(world.uow()).execute("nowpayments", limit=2)

    assert [(d.event, d.outcome) for d in listed] == [
        ("partially_paid", "duplicate"),
        ("order.status", "applied"),
        ("finished", "applied"),
        ("partially_paid", "applied"),
    ]
    assert listed[0].id == replayed.id
    assert [d.id for d in nowpayments] == [replayed.id, listed[2].id]
    one = await GetWebhookDelivery(world.uow()).execute(kinguin.id)
    assert one.body_text() == '{"orderId":"K1","status":"completed"}'
    with pytest.raises(NotFound):
        await GetWebhookDelivery(world.uow()).execute(new_id())


async def test_order_details_list_the_orders_deliveries_oldest_first(world: World) -> None:
    product, placed = await paid_ready_order(world, keys=2)
    other = await world.order(product)
    await world.pay(placed, PaymentStatus.PARTIALLY_PAID)
    world.clock.advance(timedelta(seconds=1))
    await world.pay(other)
    world.clock.advance(timedelta(seconds=1))
    await world.pay(placed)

    details = await GetOrderDetails(world.uow()).execute(placed.order.id)

    assert [(d.event, d.outcome) for d in details.webhooks] == [
        ("partially_paid", "applied"),
        ("finished", "applied"),
    ]
    assert all(d.order_id == placed.order.id for d in details.webhooks)


def test_body_text_replaces_what_is_not_utf8() -> None:
    delivery = WebhookDeliveryFactory.build(raw_body=b'{"a":"\xff"}')
    assert delivery.body_text() == '{"a":"\ufffd"}'
    assert delivery.body_size == 9
