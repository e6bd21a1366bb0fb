"""One order as the operator reads it: every record about it, in time order, built through the real
use cases on a frozen clock; never a key."""

from datetime import datetime, timedelta

import pytest

from bitloot.application.errors import NotFound
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.get_order_timeline import GetOrderTimeline
from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, RevealRequest
from bitloot.domain.audit import ClientInfo
from bitloot.domain.ids import new_id
from bitloot.domain.operator_audit import Actor
from bitloot.domain.order_timeline import EntryKind, TimelineEntry
from bitloot.domain.payment import PaymentStatus
from tests.unit.conftest import World

SECRET_KEY = "TIMELINE-KEY-NEVER-SHOWN"
CLIENT = ClientInfo("198.51.100.4", "pytest-browser")
MINUTE = timedelta(minutes=1)


async def timeline_of(world: World, order_id: str) -> list[TimelineEntry]:
    return list((await GetOrderTimeline(world.uow()).execute(order_id)).entries)


def by_minute(entries: list[TimelineEntry], start: datetime) -> list[tuple[int, str, str]]:
    return [(int((e.at - start) / MINUTE), e.kind.value, e.title) for e in entries]


def one(entries: list[TimelineEntry], kind: EntryKind, title: str) -> TimelineEntry:
    [entry] = [e for e in entries if e.kind is kind and e.title == title]
    return entry


async def test_a_paid_fulfilled_emailed_revealed_then_refunded_order_reads_in_time_order(
    world: World,
) -> None:
    product = await world.product("GAME-1", keys=[SECRET_KEY])
    start = world.clock.now()
    placed = await world.order(product)
    world.clock.advance(MINUTE)
    await world.pay(placed)
    world.clock.advance(MINUTE)
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    world.clock.advance(MINUTE)
    # The "order received" email (owed at placing) and the delivery email go out together.
    assert (await world.send_delivery_emails_use_case().execute()).sent == 2
    world.clock.advance(MINUTE)
    await world.reveal_use_case().execute(
        RevealRequest(AccessTokenCredential(placed.order.id, placed.access_token), CLIENT)
    )
    world.clock.advance(MINUTE)
    await world.pay(placed, PaymentStatus.REFUNDED)

    entries = await timeline_of(world, placed.order.id)

    # One "Now refunded": the payment record shows it, so the current state adds no second one.
    assert by_minute(entries, start) == [
        (0, "placed", "Order placed"),
        (0, "payment_requested", "Payment requested"),
        (0, "email", "Order received email owed"),
        (1, "webhook", "nowpayments webhook: finished"),
        (1, "payment", "Payment finished"),
        (1, "state", "Now paid"),
        (2, "item_fulfilled", "Item fulfilled"),
        (2, "state", "Now fulfilled"),
        (2, "fulfillment_request", "Fulfilment request done"),
        (2, "key_delivered", "Key delivered"),
        (2, "email", "Delivery email owed"),
        (3, "email", "Order received email sent"),
        (3, "email", "Delivery email sent"),
        (4, "reveal", "Reveal through api"),
        (5, "webhook", "nowpayments webhook: refunded"),
        (5, "payment", "Payment refunded"),
        (5, "state", "Now refunded"),
    ]
    assert SECRET_KEY not in repr(entries)
    assert placed.access_token not in repr(entries)
    assert one(entries, EntryKind.PAYMENT_REQUESTED, "Payment requested").detail == {
        "paymentPage": "shop.example"
    }
    webhook = one(entries, EntryKind.WEBHOOK, "nowpayments webhook: finished")
    assert (webhook.outcome, webhook.detail["signatureValid"]) == ("applied", "yes")
    assert one(entries, EntryKind.PAYMENT, "Payment refunded").outcome == "applied"
    assert [e.detail["derivedFrom"] for e in entries if e.kind is EntryKind.STATE] == [
        "from the payment record",
        "fulfilled_at",
        "from the payment record",
    ]
    [key] = world.db.keys.values()
    delivered = one(entries, EntryKind.KEY_DELIVERED, "Key delivered")
    assert delivered.detail == {"keyId": key.id, "itemId": key.item_id, "productId": product.id}
    sent = one(entries, EntryKind.EMAIL, "Delivery email sent")
    assert (sent.outcome, sent.detail) == ("sent", {"attempts": "1"})
    reveal = one(entries, EntryKind.REVEAL, "Reveal through api")
    assert reveal.outcome == "revealed"
    assert reveal.detail == {
        "keyId": key.id,
        "itemId": key.item_id,
        "channel": "api",
        "ip": "198.51.100.4",
        "userAgent": "pytest-browser",
    }


async def test_a_failed_order_shows_why_and_the_operators_retry(world: World) -> None:
    product = await world.product("GAME-1", keys=["ONLY-ONE"])
    rival, placed = await world.order(product), await world.order(product)
    await world.pay(rival)
    await world.pay(placed)
    assert await world.fulfill_use_case().execute(rival.order.id) is FulfillOutcome.FULFILLED
    world.clock.advance(MINUTE)
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FAILED
    failed_at = world.clock.now()
    world.clock.advance(MINUTE)
    await world.import_stock().execute(product.id, ["RESTOCKED"], Actor.command_line())
    await world.retry_use_case().execute(placed.order.id, Actor.api_token("203.0.113.9"))

    entries = await timeline_of(world, placed.order.id)

    failed = one(entries, EntryKind.STATE, "Now failed")
    assert failed.at == failed_at
    assert failed.detail["derivedFrom"] == "current state"
    assert failed.detail["reason"] == world.db.orders[placed.order.id].failure_reason
    assert failed.detail["reason"]
    retried = one(entries, EntryKind.OPERATOR_ACTION, "Fulfillment retried")
    assert retried.at == world.clock.now()
    assert retried.detail == {
        "actor": "admin token",
        "actorKind": "automation",
        "clientIp": "203.0.113.9",
        "detail": "retried from failed: 1 unit(s) to deliver",
    }
    assert one(entries, EntryKind.FULFILLMENT_REQUEST, "Fulfilment request pending").outcome == "pending"
    assert not [e for e in entries if e.kind in (EntryKind.KEY_DELIVERED, EntryKind.REVEAL)]
    assert one(entries, EntryKind.EMAIL, "Order failed email owed").at == failed_at


async def test_a_failing_email_shows_its_attempts_and_last_error(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))
    world.clock.advance(MINUTE)
    await world.pay(placed)
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    world.email_sender.unavailable = True
    world.clock.advance(MINUTE)
    # A round stops at its first failure: the "order received" email, owed first.
    await world.send_delivery_emails_use_case().execute()

    entries = await timeline_of(world, placed.order.id)

    emails = [e for e in entries if e.kind is EntryKind.EMAIL]
    assert [(e.title, e.outcome) for e in emails] == [
        ("Order received email owed", "pending"),
        ("Delivery email owed", "pending"),
        ("Order received email pending", "pending"),
    ]
    assert emails[2].detail == {"attempts": "1", "lastError": "connection refused"}
    assert emails[2].at == world.clock.now()


async def test_an_order_awaiting_payment_shows_no_state_change_yet(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))

    timeline = await GetOrderTimeline(world.uow()).execute(placed.order.id)

    # Its "order received" email is owed with it: that is no change of state.
    assert [e.kind for e in timeline.entries] == [
        EntryKind.PLACED,
        EntryKind.PAYMENT_REQUESTED,
        EntryKind.EMAIL,
    ]
    assert timeline.note.startswith("No history of state changes is stored")


async def test_the_timeline_of_an_unknown_order_is_not_found(world: World) -> None:
    with pytest.raises(NotFound, match="No such order"):
        await GetOrderTimeline(world.uow()).execute(new_id())
