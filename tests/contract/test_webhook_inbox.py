"""The webhook inbox (`UnitOfWork.webhooks`): deliveries kept as received, in the transaction of what
handling them did."""

from dataclasses import replace

import pytest

from bitloot.application.ports.webhooks import DeliveryFilter
from bitloot.domain.errors import InvalidValue
from bitloot.domain.webhook import MAX_BODY_BYTES, WebhookDelivery
from tests.contract.conftest import UowFactory
from tests.contract.factories import assert_same_fields, at, expect_conflict, make_payment
from tests.factories.domain import WebhookDeliveryFactory


async def read(uow_factory: UowFactory, delivery_id: str) -> WebhookDelivery | None:
    uow = uow_factory()
    delivery = await uow.webhooks.get(delivery_id)
    await uow.rollback()
    return delivery


async def test_a_delivery_is_kept_exactly_as_received(uow_factory: UowFactory) -> None:
    # Every byte value, and a body of the largest size kept.
    binary = WebhookDeliveryFactory.build(raw_body=bytes(range(256)) * 4, order_id=None, outcome="unmatched")
    largest = WebhookDeliveryFactory.build(raw_body=b"x" * MAX_BODY_BYTES, replayed_from=binary.id)
    kinguin = WebhookDeliveryFactory.build(provider="kinguin", signature_valid=False, dedupe_key=None)
    uow = uow_factory()
    for delivery in (binary, largest, kinguin):
        await uow.webhooks.add(delivery)
    await uow.commit()

    for delivery in (binary, largest, kinguin):
        stored = await read(uow_factory, delivery.id)
        assert stored is not None
        assert_same_fields(stored, delivery)
        assert isinstance(stored.raw_body, bytes)
    assert await read(uow_factory, "no-such-delivery") is None


async def test_a_delivery_is_written_only_by_commit(uow_factory: UowFactory) -> None:
    delivery = WebhookDeliveryFactory.build()
    uow = uow_factory()
    await uow.webhooks.add(delivery)
    # The unit sees its own staged delivery.
    assert await uow.webhooks.get(delivery.id) == delivery
    assert [d.id for d in await uow.webhooks.list_recent(10)] == [delivery.id]
    assert [d.id for d in await uow.webhooks.list_for_order("order-1")] == [delivery.id]
    await uow.rollback()

    assert await read(uow_factory, delivery.id) is None
    reader = uow_factory()
    assert await reader.webhooks.list_recent(10) == []
    await reader.rollback()


async def test_a_delivery_id_is_recorded_once(uow_factory: UowFactory) -> None:
    first = WebhookDeliveryFactory.build()
    uow = uow_factory()
    await uow.webhooks.add(first)
    await uow.commit()

    again = replace(first, outcome="duplicate", raw_body=b"{}")
    later = uow_factory()
    await expect_conflict(later, lambda: later.webhooks.add(again))

    stored = await read(uow_factory, first.id)
    assert stored is not None
    assert_same_fields(stored, first)


async def test_the_delivery_commits_with_the_payment_or_not_at_all(uow_factory: UowFactory) -> None:
    """A delivery staged with a payment whose dedupe key another unit recorded first is lost with it:
    the retry that follows must not find an orphan delivery."""
    winner = uow_factory()
    await winner.payments.add(make_payment("order-1", dedupe_key="same-payload"))
    await winner.webhooks.add(WebhookDeliveryFactory.build())
    await winner.commit()

    loser = uow_factory()
    orphan = WebhookDeliveryFactory.build(outcome="applied")

    async def write() -> None:
        await loser.webhooks.add(orphan)
        await loser.payments.add(make_payment("order-1", dedupe_key="same-payload"))

    await expect_conflict(loser, write)

    assert await read(uow_factory, orphan.id) is None
    reader = uow_factory()
    assert len(await reader.webhooks.list_recent(10)) == 1
    await reader.rollback()


async def test_recent_deliveries_are_newest_first_limited_and_by_provider(uow_factory: UowFactory) -> None:
    offsets = [3, 0, 5, 1, 4, 2]
    deliveries = {
        n: WebhookDeliveryFactory.build(provider="kinguin" if n % 2 else "nowpayments", received_at=at(n))
        for n in offsets
    }
    uow = uow_factory()
    for n in offsets:
        await uow.webhooks.add(deliveries[n])
    await uow.commit()

    reader = uow_factory()
    everything = await reader.webhooks.list_recent(100)
    assert [d.id for d in everything] == [deliveries[n].id for n in (5, 4, 3, 2, 1, 0)]
    assert [d.id for d in await reader.webhooks.list_recent(2)] == [deliveries[5].id, deliveries[4].id]
    assert [d.id for d in await reader.webhooks.list_recent(100, "nowpayments")] == [
        deliveries[n].id for n in (4, 2, 0)
    ]
    assert [d.id for d in await reader.webhooks.list_recent(1, "kinguin")] == [deliveries[5].id]
    assert await reader.webhooks.list_recent(0) == []
    await reader.rollback()


async def test_deliveries_received_at_the_same_time_list_by_id(uow_factory: UowFactory) -> None:
    deliveries = [WebhookDeliveryFactory.build(received_at=at(1)) for _ in range(4)]
    uow = uow_factory()
    for delivery in deliveries:
        await uow.webhooks.add(delivery)
    await uow.commit()

    reader = uow_factory()
    ids = sorted(d.id for d in deliveries)
    assert [d.id for d in await reader.webhooks.list_recent(10)] == ids[::-1]
    assert [d.id for d in await reader.webhooks.list_for_order("order-1")] == ids
    await reader.rollback()


async def test_deliveries_of_an_order_come_oldest_first(uow_factory: UowFactory) -> None:
    mine = [WebhookDeliveryFactory.build(order_id="order-1", received_at=at(n)) for n in (20, 0, 10)]
    other = WebhookDeliveryFactory.build(order_id="order-2", received_at=at(5))
    nameless = WebhookDeliveryFactory.build(order_id=None, received_at=at(7))
    uow = uow_factory()
    for delivery in [*mine, other, nameless]:
        await uow.webhooks.add(delivery)
    await uow.commit()

    reader = uow_factory()
    listed = await reader.webhooks.list_for_order("order-1")
    assert [d.id for d in listed] == [mine[1].id, mine[2].id, mine[0].id]
    assert [d.id for d in await reader.webhooks.list_for_order("order-2")] == [other.id]
    assert await reader.webhooks.list_for_order("nobody") == []
    await reader.rollback()


def test_a_delivery_refuses_a_body_over_64_kib_or_an_unknown_provider() -> None:
    with pytest.raises(InvalidValue):
        WebhookDeliveryFactory.build(raw_body=b"x" * (MAX_BODY_BYTES + 1))
    with pytest.raises(InvalidValue):
        WebhookDeliveryFactory.build(provider="paypal")
    with pytest.raises(InvalidValue):
        WebhookDeliveryFactory.build(outcome="")


def test_the_body_and_signature_stay_out_of_the_repr() -> None:
    delivery = WebhookDeliveryFactory.build(raw_body=b'{"secret-looking":"body"}')
    text = repr(delivery)
    assert "secret-looking" not in text
    assert "ab" * 64 not in text
    assert delivery.id in text


async def test_the_inbox_filters_by_outcome_and_time_and_pages_by_time_then_id(
    uow_factory: UowFactory,
) -> None:
    deliveries = [
        WebhookDeliveryFactory.build(received_at=at(n // 3), outcome="duplicate" if n % 2 else "applied")
        for n in range(9)
    ]
    uow = uow_factory()
    for delivery in deliveries:
        await uow.webhooks.add(delivery)
    await uow.commit()
    newest_first = sorted(deliveries, key=lambda d: (d.received_at, d.id), reverse=True)

    async def listed(where: DeliveryFilter, limit: int = 20) -> list[str]:
        uow = uow_factory()
        found = await uow.webhooks.list_recent(limit, None, where)
        await uow.rollback()
        return [d.id for d in found]

    assert await listed(DeliveryFilter(outcome="duplicate")) == [
        d.id for d in newest_first if d.outcome == "duplicate"
    ]
    assert await listed(DeliveryFilter(received_from=at(1), received_to=at(2))) == [
        d.id for d in newest_first if d.received_at == at(1)
    ]
    paged: list[str] = []
    before = None
    while page := await listed(DeliveryFilter(before=before), limit=2):
        paged.extend(page)
        last = next(d for d in deliveries if d.id == page[-1])
        before = (last.received_at, last.id)
    assert paged == [d.id for d in newest_first]
