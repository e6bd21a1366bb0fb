"""The notification outbox: one email per order, what is due, and claims that one sender wins."""

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.ids import new_id
from bitloot.domain.notification import Notification, NotificationStatus
from bitloot.domain.order import Order
from tests.contract.conftest import UowFactory
from tests.contract.factories import T0, assert_same_fields, at, make_item, make_order, make_product, store

LEASE = timedelta(minutes=2)


async def stored_orders(uow_factory: UowFactory, count: int) -> list[Order]:
    product = make_product()
    orders = [make_order(make_item(product), created_at=at(n)) for n in range(count)]
    await store(uow_factory(), products=[product], orders=orders)
    return orders


def owed(order: Order, when: datetime = T0) -> Notification:
    return Notification.order_fulfilled(new_id(), order.id, order.email, when)


async def added(uow_factory: UowFactory, *notifications: Notification) -> None:
    uow = uow_factory()
    for notification in notifications:
        assert await uow.notifications.add(notification) is True
    await uow.commit()


async def read(uow_factory: UowFactory, order: Order) -> Notification:
    uow = uow_factory()
    found = await uow.notifications.get_for_order(order.id)
    await uow.rollback()
    assert found is not None
    return found


async def due(uow_factory: UowFactory, now: datetime, limit: int = 10) -> list[Notification]:
    uow = uow_factory()
    found = await uow.notifications.due(now, limit)
    await uow.rollback()
    return found


async def claim(uow: UnitOfWork, notification: Notification, until: datetime) -> bool:
    """Claim and commit, as a sender does: True when this unit won the notification."""
    try:
        if await uow.notifications.claim(notification.id, notification.next_attempt_at, until):
            await uow.commit()
            return True
    except ConcurrencyConflict:
        pass
    await uow.rollback()
    return False


# --- adding -------------------------------------------------------------------------------------------


async def test_a_notification_is_stored_as_given(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    notification = replace(owed(order), attempts=3, last_error="SMTP 451", next_attempt_at=at(90))
    await added(uow_factory, notification)

    assert_same_fields(await read(uow_factory, order), notification)


async def test_a_notification_is_invisible_until_committed_and_gone_on_rollback(
    uow_factory: UowFactory,
) -> None:
    [order] = await stored_orders(uow_factory, 1)
    writer = uow_factory()
    assert await writer.notifications.add(owed(order)) is True
    assert await writer.notifications.get_for_order(order.id) is not None
    assert len(await writer.notifications.due(at(0), 10)) == 1
    await writer.rollback()

    assert await due(uow_factory, at(0)) == []
    reader = uow_factory()
    assert await reader.notifications.get_for_order(order.id) is None
    await reader.rollback()


async def test_an_order_gets_one_notification(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    first = owed(order)
    await added(uow_factory, first)

    again = uow_factory()
    assert await again.notifications.add(owed(order, at(5))) is False
    await again.commit()
    same_unit = uow_factory()
    [other] = await stored_orders(uow_factory, 1)
    assert await same_unit.notifications.add(owed(other)) is True
    assert await same_unit.notifications.add(owed(other)) is False
    await same_unit.commit()

    assert (await read(uow_factory, order)).id == first.id
    assert len(await due(uow_factory, at(10))) == 2


# --- what is due --------------------------------------------------------------------------------------


async def test_due_lists_pending_notifications_whose_time_came_longest_due_first(
    uow_factory: UowFactory,
) -> None:
    orders = await stored_orders(uow_factory, 5)
    times = [at(30), at(10), at(20), at(10), at(60)]
    notifications = [owed(order, when) for order, when in zip(orders, times, strict=True)]
    await added(uow_factory, *notifications)
    sender = uow_factory()
    await sender.notifications.mark_sent(notifications[2].id, at(25))
    await sender.commit()

    expected = sorted(
        (notifications[0], notifications[1], notifications[3]), key=lambda n: (n.next_attempt_at, n.id)
    )
    assert [n.id for n in await due(uow_factory, at(30))] == [n.id for n in expected]
    assert [n.id for n in await due(uow_factory, at(30), limit=2)] == [n.id for n in expected[:2]]
    # Due exactly at `next_attempt_at`, to the microsecond, and not a microsecond before.
    assert [n.id for n in await due(uow_factory, at(10))] == [n.id for n in expected[:2]]
    assert await due(uow_factory, at(10) - timedelta(microseconds=1)) == []


# --- claims -------------------------------------------------------------------------------------------


async def test_a_claim_takes_the_notification_until_its_lease_ends(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    await added(uow_factory, owed(order))
    [notification] = await due(uow_factory, at(0))

    assert await claim(uow_factory(), notification, at(0) + LEASE) is True

    claimed = await read(uow_factory, order)
    assert claimed.next_attempt_at == at(0) + LEASE
    assert claimed.status is NotificationStatus.PENDING
    assert claimed.attempts == 0
    assert await due(uow_factory, at(0) + LEASE - timedelta(microseconds=1)) == []
    assert [n.id for n in await due(uow_factory, at(0) + LEASE)] == [notification.id]


async def test_a_claim_on_a_stale_read_loses(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    await added(uow_factory, owed(order))
    # Both senders read the notification before either claims it.
    [seen_by_first] = await due(uow_factory, at(0))
    [seen_by_second] = await due(uow_factory, at(0))

    assert await claim(uow_factory(), seen_by_first, at(0) + LEASE) is True
    assert await claim(uow_factory(), seen_by_second, at(1) + LEASE) is False
    assert (await read(uow_factory, order)).next_attempt_at == at(0) + LEASE


async def test_a_claim_on_a_sent_or_unknown_notification_loses(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    await added(uow_factory, owed(order))
    [notification] = await due(uow_factory, at(0))
    sender = uow_factory()
    await sender.notifications.mark_sent(notification.id, at(1))
    await sender.commit()

    assert await claim(uow_factory(), notification, at(2) + LEASE) is False
    assert await claim(uow_factory(), replace(notification, id=new_id()), at(2) + LEASE) is False


@pytest.mark.parametrize("claimers", [2, 4])
async def test_units_claiming_the_same_notification_at_once_leave_one_winner(
    uow_factory: UowFactory, claimers: int
) -> None:
    [order] = await stored_orders(uow_factory, 1)
    await added(uow_factory, owed(order))
    [notification] = await due(uow_factory, at(0))
    units = [uow_factory() for _ in range(claimers)]

    won = await asyncio.gather(
        *(claim(unit, notification, at(n) + LEASE) for n, unit in enumerate(units, start=1))
    )

    assert won.count(True) == 1
    winner = won.index(True) + 1
    assert (await read(uow_factory, order)).next_attempt_at == at(winner) + LEASE


async def test_a_lost_claim_can_claim_again_from_a_fresh_read(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    await added(uow_factory, owed(order))
    [stale] = await due(uow_factory, at(0))
    assert await claim(uow_factory(), stale, at(0) + LEASE) is True

    later = at(0) + LEASE
    [fresh] = await due(uow_factory, later)
    assert await claim(uow_factory(), stale, later + LEASE) is False
    assert await claim(uow_factory(), fresh, later + LEASE) is True


# --- outcomes -----------------------------------------------------------------------------------------


async def test_marking_sent_counts_the_attempt_and_closes_the_notification(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    notification = replace(owed(order), attempts=2, last_error="SMTP 421")
    await added(uow_factory, notification)

    sender = uow_factory()
    await sender.notifications.mark_sent(notification.id, at(40))
    await sender.commit()
    sent = await read(uow_factory, order)
    assert sent.status is NotificationStatus.SENT
    assert sent.attempts == 3
    assert sent.updated_at == at(40)
    assert await due(uow_factory, at(10_000)) == []

    # Sent stays sent, and counts no more attempts.
    late = uow_factory()
    await late.notifications.mark_sent(notification.id, at(50))
    await late.notifications.mark_failed(notification.id, "late", at(60), at(50))
    await late.commit()
    assert_same_fields(await read(uow_factory, order), sent)


async def test_marking_failed_counts_the_attempt_and_waits(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    notification = owed(order)
    await added(uow_factory, notification)

    sender = uow_factory()
    await sender.notifications.mark_failed(notification.id, "connection refused", at(30), at(0))
    await sender.commit()
    failed = await read(uow_factory, order)
    assert failed.status is NotificationStatus.PENDING
    assert failed.attempts == 1
    assert failed.last_error == "connection refused"
    assert failed.next_attempt_at == at(30)
    assert failed.updated_at == at(0)
    assert failed.created_at == notification.created_at
    assert await due(uow_factory, at(29)) == []
    assert [n.id for n in await due(uow_factory, at(30))] == [notification.id]


async def test_giving_up_counts_the_attempt_keeps_the_error_and_is_never_due_again(
    uow_factory: UowFactory,
) -> None:
    [order] = await stored_orders(uow_factory, 1)
    notification = replace(owed(order), attempts=4, last_error="SMTP 421")
    await added(uow_factory, notification)
    [seen] = await due(uow_factory, at(0))
    assert await claim(uow_factory(), seen, at(0) + LEASE) is True

    sender = uow_factory()
    error = "SMTPRecipientsRefused: SMTP 550 5.1.1 <player@example.com>: user unknown"
    await sender.notifications.give_up(notification.id, error, at(7))
    await sender.commit()
    failed = await read(uow_factory, order)
    assert failed.status is NotificationStatus.FAILED
    assert failed.attempts == 5
    assert failed.last_error == error
    assert failed.updated_at == at(7)
    assert failed.created_at == notification.created_at
    assert await due(uow_factory, at(10_000_000)) == []

    # Failed stays failed: nothing sends, retries or claims it afterwards.
    late = uow_factory()
    await late.notifications.mark_sent(notification.id, at(8))
    await late.notifications.mark_failed(notification.id, "late", at(60), at(8))
    await late.notifications.give_up(notification.id, "again", at(8))
    await late.commit()
    assert_same_fields(await read(uow_factory, order), failed)
    assert await claim(uow_factory(), failed, at(9) + LEASE) is False


async def test_a_sent_notification_is_never_given_up(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    notification = owed(order)
    await added(uow_factory, notification)
    sender = uow_factory()
    await sender.notifications.mark_sent(notification.id, at(1))
    await sender.commit()
    sent = await read(uow_factory, order)

    late = uow_factory()
    await late.notifications.give_up(notification.id, "too late", at(2))
    await late.commit()
    assert_same_fields(await read(uow_factory, order), sent)
