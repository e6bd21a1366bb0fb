"""Sealed keys, payment records, reveal events and the fulfilment outbox."""

import asyncio
import random
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from bitloot.application.errors import ConcurrencyConflict
from bitloot.domain.ids import new_id
from bitloot.domain.keys import SealedKey
from bitloot.domain.order import Order
from bitloot.domain.payment import PaymentStatus, still_missing
from bitloot.domain.product import Product
from bitloot.domain.request_context import NO_REQUEST, RequestContext
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    NOW,
    assert_same_fields,
    at,
    expect_conflict,
    make_item,
    make_order,
    make_payment,
    make_product,
    make_reveal,
    make_sealed_key,
    store,
)


@pytest.fixture
def product() -> Product:
    return make_product()


async def stored_orders(uow_factory: UowFactory, product: Product, count: int = 2) -> list[Order]:
    orders = [
        make_order(make_item(product, 2), make_item(product, 1), created_at=at(n)) for n in range(count)
    ]
    await store(uow_factory(), products=[product], orders=orders)
    return orders


# Sealed keys


async def test_sealed_keys_are_listed_per_order_by_id(uow_factory: UowFactory, product: Product) -> None:
    order, other = await stored_orders(uow_factory, product)
    keys = [make_sealed_key(order, item) for item in (order.items[0], order.items[0], order.items[1])]
    shuffled = [keys[2], keys[0], keys[1]]
    uow = uow_factory()
    for key in shuffled:
        assert await uow.keys.add(key) is True
    assert await uow.keys.add(make_sealed_key(other, other.items[0])) is True
    assert [k.id for k in await uow.keys.list_for_order(order.id)] == sorted(k.id for k in keys)
    await uow.commit()

    reader = uow_factory()
    listed = await reader.keys.list_for_order(order.id)
    assert [k.id for k in listed] == sorted(k.id for k in keys)
    by_id = {k.id: k for k in keys}
    for key in listed:
        assert_same_fields(key, by_id[key.id])
    assert await reader.keys.list_for_order("no-such-order") == []


async def test_adding_a_sealed_key_again_keeps_the_first(uow_factory: UowFactory, product: Product) -> None:
    (order,) = await stored_orders(uow_factory, product, 1)
    key = make_sealed_key(order, order.items[0])
    uow = uow_factory()
    assert await uow.keys.add(key) is True
    assert await uow.keys.add(replace(key, blob_path="keys/in-the-same-unit")) is False
    await uow.commit()

    uow = uow_factory()
    assert await uow.keys.add(replace(key, blob_path="keys/a-later-unit", key_version=2)) is False
    await uow.commit()

    listed = await uow_factory().keys.list_for_order(order.id)
    assert len(listed) == 1
    assert_same_fields(listed[0], key)


async def listed_keys(uow_factory: UowFactory, order_id: str) -> list[SealedKey]:
    """The order's committed keys, read in a unit that is then ended."""
    uow = uow_factory()
    keys = await uow.keys.list_for_order(order_id)
    await uow.rollback()
    return keys


async def test_an_item_holds_one_key_per_source_key(uow_factory: UowFactory, product: Product) -> None:
    """A second sealing of the same source key for the same item (a raced worker's) is refused and
    writes nothing, in the same unit as in a later one."""
    (order,) = await stored_orders(uow_factory, product, 1)
    item = order.items[0]
    first = make_sealed_key(order, item)
    uow = uow_factory()
    assert await uow.keys.add(first) is True
    again = make_sealed_key(order, item, source_key_id=first.source_key_id)
    assert await uow.keys.add(again) is False
    assert [k.id for k in await uow.keys.list_for_order(order.id)] == [first.id]
    await uow.commit()
    before = await listed_keys(uow_factory, order.id)

    later = uow_factory()
    resealed = make_sealed_key(order, item, source_key_id=first.source_key_id, blob_path="keys/later")
    assert await later.keys.add(resealed) is False
    assert [k.id for k in await later.keys.list_for_order(order.id)] == [first.id]
    await later.commit()

    after = await listed_keys(uow_factory, order.id)
    assert [k.id for k in after] == [k.id for k in before] == [first.id]
    assert_same_fields(after[0], first)


async def test_a_key_id_is_recorded_once(uow_factory: UowFactory, product: Product) -> None:
    order, other = await stored_orders(uow_factory, product)
    first = make_sealed_key(order, order.items[0])
    uow = uow_factory()
    assert await uow.keys.add(first) is True
    # The same id for another source key of the same item, in the same unit: refused.
    assert await uow.keys.add(make_sealed_key(order, order.items[0], key_id=first.id)) is False
    await uow.commit()

    later = uow_factory()
    # The same id for another item, even of another order: refused.
    assert await later.keys.add(make_sealed_key(order, order.items[1], key_id=first.id)) is False
    assert await later.keys.add(make_sealed_key(other, other.items[0], key_id=first.id)) is False
    await later.commit()

    listed = await listed_keys(uow_factory, order.id)
    assert len(listed) == 1
    assert_same_fields(listed[0], first)
    assert await listed_keys(uow_factory, other.id) == []


async def test_one_source_key_may_serve_different_items(uow_factory: UowFactory, product: Product) -> None:
    """The rule is one key per item and source key, not one key per source key."""
    (order,) = await stored_orders(uow_factory, product, 1)
    first = make_sealed_key(order, order.items[0])
    second = make_sealed_key(order, order.items[1], source_key_id=first.source_key_id)
    uow = uow_factory()
    assert await uow.keys.add(first) is True
    assert await uow.keys.add(second) is True
    await uow.commit()

    assert [k.id for k in await listed_keys(uow_factory, order.id)] == sorted([first.id, second.id])


async def test_units_adding_one_source_key_at_once_record_exactly_one(
    uow_factory: UowFactory, product: Product
) -> None:
    """Two workers seal the same source key for one item at the same time. Exactly one key is recorded;
    the other unit is told so, by `add` returning False or by `commit()` raising `ConcurrencyConflict`."""
    (order,) = await stored_orders(uow_factory, product, 1)
    item = order.items[0]
    source = new_id()
    keys = [make_sealed_key(order, item, source_key_id=source) for _ in range(2)]

    async def record(key: SealedKey) -> str:
        uow = uow_factory()
        added = await uow.keys.add(key)
        # Both units hold their write before either commits, where the store lets them.
        await asyncio.sleep(0.05)
        try:
            await uow.commit()
        except ConcurrencyConflict:
            await uow.rollback()
            assert added, "a refused add wrote nothing that could conflict"
            return "conflict"
        return "recorded" if added else "refused"

    outcomes = await asyncio.gather(*(record(key) for key in keys))

    assert sorted(outcomes) in (["conflict", "recorded"], ["recorded", "refused"])
    winner = keys[outcomes.index("recorded")]
    listed = await listed_keys(uow_factory, order.id)
    assert len(listed) == 1
    assert_same_fields(listed[0], winner)


# Payments


async def test_a_payment_is_recorded_once_per_dedupe_key(uow_factory: UowFactory) -> None:
    record = make_payment("order-1", actually_paid="0.00000001")
    uow = uow_factory()
    assert not await uow.payments.has(record.dedupe_key)
    await uow.payments.add(record)
    assert await uow.payments.has(record.dedupe_key)
    await uow.commit()

    uow = uow_factory()
    assert await uow.payments.has(record.dedupe_key)
    assert not await uow.payments.has("another-key")
    listed = await uow.payments.list_for_order("order-1")
    assert len(listed) == 1
    assert_same_fields(listed[0], record)


async def test_a_partial_payment_keeps_what_was_asked_and_an_old_record_says_nothing(
    uow_factory: UowFactory,
) -> None:
    partial = make_payment(
        "order-1",
        actually_paid="0.0004",
        pay_amount=Decimal("0.00100000"),
        status=PaymentStatus.PARTIALLY_PAID,
        received_at=at(1),
    )
    # Written before migration 0014: no amount asked.
    old = make_payment("order-1", pay_amount=None, received_at=at(2))
    uow = uow_factory()
    await uow.payments.add(partial)
    await uow.payments.add(old)
    await uow.commit()

    kept, kept_old = await uow_factory().payments.list_for_order("order-1")
    assert_same_fields(kept, partial)
    assert kept.pay_amount == Decimal("0.001")
    assert still_missing(kept.pay_amount, kept.actually_paid) == Decimal("0.0006")
    assert (kept_old.pay_amount, still_missing(kept_old.pay_amount, kept_old.actually_paid)) == (None, None)


async def test_a_recorded_dedupe_key_conflicts(uow_factory: UowFactory) -> None:
    first = make_payment("order-1", dedupe_key="same-notification")
    writer = uow_factory()
    await writer.payments.add(first)
    await writer.commit()
    repeat = make_payment("order-1", dedupe_key="same-notification", received_at=at(5))

    uow = uow_factory()
    await expect_conflict(uow, lambda: uow.payments.add(repeat))

    listed = await uow_factory().payments.list_for_order("order-1")
    assert [r.id for r in listed] == [first.id]


async def test_one_dedupe_key_twice_in_one_unit_conflicts(uow_factory: UowFactory) -> None:
    uow = uow_factory()
    await uow.payments.add(make_payment("order-1", dedupe_key="twice"))

    await expect_conflict(uow, lambda: uow.payments.add(make_payment("order-1", dedupe_key="twice")))

    assert not await uow_factory().payments.has("twice")


async def test_payments_for_an_order_come_in_the_order_received(uow_factory: UowFactory) -> None:
    records = [make_payment("order-1", received_at=at(n)) for n in (30, 10, 20)]
    uow = uow_factory()
    for record in records:
        await uow.payments.add(record)
    # Unmatched notifications name ids that are no order of ours; they are kept too.
    await uow.payments.add(make_payment("unknown-order", received_at=at(15)))
    await uow.commit()

    reader = uow_factory()
    listed = await reader.payments.list_for_order("order-1")
    assert [r.received_at for r in listed] == [at(10), at(20), at(30)]
    assert [r.id for r in listed] == [records[1].id, records[2].id, records[0].id]
    assert len(await reader.payments.list_for_order("unknown-order")) == 1
    assert await reader.payments.list_for_order("nobody") == []


async def test_recent_payments_are_newest_first_and_limited(uow_factory: UowFactory) -> None:
    offsets = [5, 1, 4, 2, 3]
    records = {n: make_payment(f"order-{n % 2}", received_at=at(n)) for n in offsets}
    uow = uow_factory()
    for n in offsets:
        await uow.payments.add(records[n])
    await uow.commit()

    uow = uow_factory()
    everything = await uow.payments.list_recent(100)
    assert [r.id for r in everything] == [records[n].id for n in (5, 4, 3, 2, 1)]
    for record in everything:
        assert_same_fields(record, records[int((record.received_at - at(0)).total_seconds())])
    assert [r.id for r in await uow.payments.list_recent(2)] == [records[5].id, records[4].id]
    assert await uow.payments.list_recent(0) == []


# Reveal events


async def test_reveal_events_are_listed_per_order_in_time_order(
    uow_factory: UowFactory, product: Product
) -> None:
    order, other = await stored_orders(uow_factory, product)
    key = make_sealed_key(order, order.items[0])
    events = [make_reveal(order, key, when=at(n)) for n in (3, 1, 2)]
    uow = uow_factory()
    await uow.keys.add(key)
    for event in events:
        await uow.reveals.add(event)
    await uow.reveals.add(make_reveal(other, make_sealed_key(other, other.items[0]), when=at(0)))
    await uow.commit()

    uow = uow_factory()
    extra = make_reveal(order, key, when=at(1.5))
    await uow.reveals.add(extra)
    in_unit = await uow.reveals.list_for_order(order.id)
    assert [e.at for e in in_unit] == [at(1), at(1.5), at(2), at(3)]
    await uow.rollback()

    listed = await uow.reveals.list_for_order(order.id)
    expected = sorted(events, key=lambda e: e.at)
    assert [e.id for e in listed] == [e.id for e in expected]
    for got, want in zip(listed, expected, strict=True):
        assert_same_fields(got, want)
    assert await uow.reveals.list_for_order("no-such-order") == []


# The fulfilment outbox


async def pending(uow_factory: UowFactory, limit: int = 100) -> list[str]:
    uow = uow_factory()
    ids = await uow.fulfillment_requests.pending(limit)
    await uow.rollback()
    return ids


async def test_a_request_is_pending_once_however_often_it_is_added(
    uow_factory: UowFactory, product: Product
) -> None:
    order, other = await stored_orders(uow_factory, product)
    uow = uow_factory()
    await uow.fulfillment_requests.add(order.id, NOW)
    await uow.fulfillment_requests.add(order.id, NOW)
    assert await uow.fulfillment_requests.pending(10) == [order.id]
    await uow.commit()
    await uow.fulfillment_requests.add(order.id, NOW)
    await uow.commit()

    assert await pending(uow_factory) == [order.id]
    assert other.id not in await pending(uow_factory)


async def test_pending_honours_the_limit(uow_factory: UowFactory, product: Product) -> None:
    orders = await stored_orders(uow_factory, product, 5)
    ids = [order.id for order in orders]
    random.shuffle(ids)
    uow = uow_factory()
    for order_id in ids:
        await uow.fulfillment_requests.add(order_id, NOW)
    await uow.commit()

    assert sorted(await pending(uow_factory)) == sorted(ids)
    limited = await pending(uow_factory, 2)
    assert len(limited) == 2
    assert set(limited) <= set(ids)


async def test_a_request_leaves_pending_when_dispatched_and_returns_when_added_after_done(
    uow_factory: UowFactory, product: Product
) -> None:
    order, other = await stored_orders(uow_factory, product)
    uow = uow_factory()
    await uow.fulfillment_requests.add(order.id, NOW)
    await uow.fulfillment_requests.add(other.id, NOW)
    await uow.commit()

    await uow.fulfillment_requests.mark_dispatched(order.id, NOW)
    assert await uow.fulfillment_requests.pending(10) == [other.id]
    await uow.commit()
    assert await pending(uow_factory) == [other.id]

    await uow.fulfillment_requests.mark_done(order.id, NOW)
    await uow.fulfillment_requests.mark_done(other.id, NOW)
    await uow.commit()
    assert await pending(uow_factory) == []

    # Dispatching a finished request changes nothing.
    await uow.fulfillment_requests.mark_dispatched(order.id, NOW)
    await uow.commit()
    assert await pending(uow_factory) == []

    # The operator's retry writes the request again.
    await uow.fulfillment_requests.add(order.id, NOW)
    await uow.commit()
    assert await pending(uow_factory) == [order.id]


async def test_marking_an_unknown_request_does_nothing(uow_factory: UowFactory) -> None:
    uow = uow_factory()
    await uow.fulfillment_requests.mark_dispatched("no-such-order", NOW)
    await uow.fulfillment_requests.mark_done("no-such-order", NOW)
    await uow.commit()
    assert await pending(uow_factory) == []


async def test_a_rolled_back_request_is_not_pending(uow_factory: UowFactory, product: Product) -> None:
    (order,) = await stored_orders(uow_factory, product, 1)
    uow = uow_factory()
    await uow.fulfillment_requests.add(order.id, NOW)
    await uow.rollback()
    assert await pending(uow_factory) == []


async def test_a_request_keeps_the_context_it_was_opened_under_until_opened_again(
    uow_factory: UowFactory, product: Product
) -> None:
    ipn = RequestContext("ipn-edge-1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    order, other, bare = await stored_orders(uow_factory, product, 3)
    uow = uow_factory()
    await uow.fulfillment_requests.add(order.id, NOW, ipn)
    await uow.fulfillment_requests.add(other.id, NOW, RequestContext("x" * 65, "0" * 129))
    await uow.fulfillment_requests.add(bare.id, NOW)
    await uow.commit()
    await uow.fulfillment_requests.mark_dispatched(order.id, NOW)
    await uow.commit()

    ids = [order.id, other.id, bare.id, "no-such-order"]
    assert await uow.fulfillment_requests.contexts(ids) == {
        order.id: ipn,
        other.id: NO_REQUEST,
        bare.id: NO_REQUEST,
    }, "dispatching keeps it; what would not fit is dropped; an unknown request is left out"
    assert await uow.fulfillment_requests.contexts([]) == {}
    # The operator's retry opens the request again, under its own request.
    await uow.fulfillment_requests.add(order.id, NOW, RequestContext("retry-2"))
    await uow.commit()
    assert await uow.fulfillment_requests.contexts([order.id]) == {order.id: RequestContext("retry-2")}
    await uow.rollback()


NO_LEASE = NOW + timedelta(hours=1)


async def test_due_lists_open_requests_untouched_since_a_moment_oldest_first(
    uow_factory: UowFactory, product: Product
) -> None:
    first, second, finished = await stored_orders(uow_factory, product, 3)
    uow = uow_factory()
    await uow.fulfillment_requests.add(second.id, NOW + timedelta(seconds=2))
    await uow.fulfillment_requests.add(first.id, NOW)
    await uow.fulfillment_requests.add(finished.id, NOW)
    await uow.commit()
    await uow.fulfillment_requests.mark_dispatched(first.id, NOW + timedelta(seconds=1))
    await uow.fulfillment_requests.mark_done(finished.id, NOW)
    await uow.commit()

    # `now` matters only for orders with a lease; these have none.
    assert await uow.fulfillment_requests.due(NOW + timedelta(seconds=1), NO_LEASE, 10) == []
    assert await uow.fulfillment_requests.due(NOW + timedelta(seconds=3), NO_LEASE, 10) == [
        first.id,
        second.id,
    ]
    assert await uow.fulfillment_requests.due(NOW + timedelta(seconds=3), NO_LEASE, 1) == [first.id]
    # Dispatching again touches the request: it is not due until it has been quiet again.
    await uow.fulfillment_requests.mark_dispatched(first.id, NOW + timedelta(seconds=5))
    await uow.commit()
    assert await uow.fulfillment_requests.due(NOW + timedelta(seconds=3), NO_LEASE, 10) == [second.id]
    await uow.rollback()
