"""The email outbox: several emails per order, one per dedupe key, what is due, and claims that one
sender wins."""

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind, DeliveryEmailStatus
from bitloot.domain.ids import new_id
from bitloot.domain.order import Order
from tests.contract.conftest import UowFactory
from tests.contract.factories import T0, assert_same_fields, at, make_item, make_order, make_product, store

LEASE = timedelta(minutes=2)
RESENT = DeliveryEmailKind.DELIVERY_RESENT
REPLACED = DeliveryEmailKind.KEY_REPLACED


async def stored_orders(uow_factory: UowFactory, count: int) -> list[Order]:
    product = make_product()
    orders = [make_order(make_item(product), created_at=at(n)) for n in range(count)]
    await store(uow_factory(), products=[product], orders=orders)
    return orders


def owed(
    order: Order,
    when: datetime = T0,
    kind: DeliveryEmailKind = DeliveryEmailKind.ORDER_FULFILLED,
    cause: str | None = None,
) -> DeliveryEmail:
    """A fresh email (an id of its own) owed to `order`'s customer: its order's delivery by default."""
    return DeliveryEmail.owed(kind, order.id, order.email, when, email_id=new_id(), cause=cause)


async def added(uow_factory: UowFactory, *emails: DeliveryEmail) -> None:
    uow = uow_factory()
    for email in emails:
        assert await uow.emails.add(email) is True
    await uow.commit()


async def read(uow_factory: UowFactory, order: Order) -> DeliveryEmail:
    uow = uow_factory()
    found = await uow.emails.list_for_order(order.id)
    await uow.rollback()
    assert len(found) == 1
    return found[0]


async def due(uow_factory: UowFactory, now: datetime, limit: int = 10) -> list[DeliveryEmail]:
    uow = uow_factory()
    found = await uow.emails.due(now, limit)
    await uow.rollback()
    return found


async def claim(uow: UnitOfWork, email: DeliveryEmail, until: datetime) -> bool:
    """Claim and commit, as a sender does: True when this unit won the email."""
    try:
        if await uow.emails.claim(email.id, email.next_attempt_at, until):
            await uow.commit()
            return True
    except ConcurrencyConflict:
        pass
    await uow.rollback()
    return False


# --- adding -------------------------------------------------------------------------------------------


async def test_an_email_is_stored_as_given(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    email = replace(owed(order), attempts=3, last_error="SMTP 451", next_attempt_at=at(90))
    await added(uow_factory, email)

    assert_same_fields(await read(uow_factory, order), email)


async def test_an_email_is_invisible_until_committed_and_gone_on_rollback(
    uow_factory: UowFactory,
) -> None:
    [order] = await stored_orders(uow_factory, 1)
    writer = uow_factory()
    assert await writer.emails.add(owed(order)) is True
    assert len(await writer.emails.list_for_order(order.id)) == 1
    assert len(await writer.emails.due(at(0), 10)) == 1
    await writer.rollback()

    assert await due(uow_factory, at(0)) == []
    reader = uow_factory()
    assert await reader.emails.list_for_order(order.id) == []
    await reader.rollback()


async def test_an_order_gets_one_delivery_email(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    first = owed(order)
    await added(uow_factory, first)

    again = uow_factory()
    assert await again.emails.add(owed(order, at(5))) is False
    await again.commit()
    same_unit = uow_factory()
    [other] = await stored_orders(uow_factory, 1)
    assert await same_unit.emails.add(owed(other)) is True
    assert await same_unit.emails.add(owed(other)) is False
    await same_unit.commit()

    assert (await read(uow_factory, order)).id == first.id
    assert len(await due(uow_factory, at(10))) == 2


async def test_an_order_holds_one_email_per_dedupe_key_oldest_first(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    fulfilled = owed(order)
    resent = owed(order, at(5), RESENT, "action-1")
    replaced = owed(order, at(9), REPLACED, "replacement-1")
    await added(uow_factory, replaced, fulfilled, resent)

    again = uow_factory()
    assert await again.emails.add(owed(order, at(20), RESENT, "action-1")) is False
    assert await again.emails.add(owed(order, at(20), REPLACED, "replacement-1")) is False
    assert await again.emails.add(owed(order, at(20), RESENT, "action-2")) is True
    await again.commit()

    reader = uow_factory()
    listed = await reader.emails.list_for_order(order.id)
    await reader.rollback()
    assert [(e.kind.value, e.dedupe_key) for e in listed] == [
        ("order_fulfilled", f"fulfilled:{order.id}"),
        ("delivery_resent", "resent:action-1"),
        ("key_replaced", "replaced:replacement-1"),
        ("delivery_resent", "resent:action-2"),
    ]
    assert_same_fields(listed[2], replaced)


async def test_two_units_adding_the_same_dedupe_key_keep_one_email(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    first, second = uow_factory(), uow_factory()
    assert await first.emails.add(owed(order, T0, REPLACED, "r-1"))
    await first.commit()
    try:
        added_again = await second.emails.add(owed(order, T0, REPLACED, "r-1"))
        await second.commit()
    except ConcurrencyConflict:
        await second.rollback()
        added_again = False
    assert added_again is False
    reader = uow_factory()
    assert len(await reader.emails.list_for_order(order.id)) == 1
    await reader.rollback()


async def test_several_emails_are_added_at_once_and_a_taken_dedupe_key_left_out(
    uow_factory: UowFactory,
) -> None:
    first, second = await stored_orders(uow_factory, 2)
    existing = owed(first)
    await added(uow_factory, existing)
    fresh = [
        owed(second),
        owed(first, at(3), RESENT, "action-1"),
        owed(second, at(4), DeliveryEmailKind.ORDER_FAILED),
    ]
    # One of an existing email's dedupe key, one of a dedupe key an email before it in the batch has.
    taken_key = owed(first, at(5))
    repeated = owed(first, at(6), RESENT, "action-1")

    uow = uow_factory()
    added_ids = await uow.emails.add_many([fresh[0], taken_key, fresh[1], repeated, fresh[2]])
    assert added_ids == {email.id for email in fresh}
    assert len(await uow.emails.list_for_order(second.id)) == 2
    await uow.commit()
    assert await uow_factory().emails.add_many([]) == set()

    reader = uow_factory()
    stored = [*await reader.emails.list_for_order(first.id), *await reader.emails.list_for_order(second.id)]
    await reader.rollback()
    assert sorted(email.id for email in stored) == sorted([existing.id, *added_ids])
    by_id = {email.id: email for email in stored}
    for email in fresh:
        assert_same_fields(by_id[email.id], email)


async def test_emails_added_at_once_are_invisible_until_committed(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    writer = uow_factory()
    assert len(await writer.emails.add_many([owed(order), owed(order, T0, RESENT, "a-1")])) == 2
    await writer.rollback()
    assert await due(uow_factory, at(0)) == []


# --- what is due --------------------------------------------------------------------------------------


async def test_due_lists_pending_emails_whose_time_came_longest_due_first(
    uow_factory: UowFactory,
) -> None:
    orders = await stored_orders(uow_factory, 5)
    times = [at(30), at(10), at(20), at(10), at(60)]
    emails = [owed(order, when) for order, when in zip(orders, times, strict=True)]
    await added(uow_factory, *emails)
    sender = uow_factory()
    await sender.emails.mark_sent(emails[2].id, at(25))
    await sender.commit()

    expected = sorted((emails[0], emails[1], emails[3]), key=lambda n: (n.next_attempt_at, n.id))
    assert [n.id for n in await due(uow_factory, at(30))] == [n.id for n in expected]
    assert [n.id for n in await due(uow_factory, at(30), limit=2)] == [n.id for n in expected[:2]]
    # Due exactly at `next_attempt_at`, to the microsecond, and not a microsecond before.
    assert [n.id for n in await due(uow_factory, at(10))] == [n.id for n in expected[:2]]
    assert await due(uow_factory, at(10) - timedelta(microseconds=1)) == []


# --- claims -------------------------------------------------------------------------------------------


async def test_a_claim_takes_the_email_until_its_lease_ends(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    await added(uow_factory, owed(order))
    [email] = await due(uow_factory, at(0))

    assert await claim(uow_factory(), email, at(0) + LEASE) is True

    claimed = await read(uow_factory, order)
    assert claimed.next_attempt_at == at(0) + LEASE
    assert claimed.status is DeliveryEmailStatus.PENDING
    assert claimed.attempts == 0
    assert await due(uow_factory, at(0) + LEASE - timedelta(microseconds=1)) == []
    assert [n.id for n in await due(uow_factory, at(0) + LEASE)] == [email.id]


async def test_a_claim_on_a_stale_read_loses(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    await added(uow_factory, owed(order))
    # Both senders read the email before either claims it.
    [seen_by_first] = await due(uow_factory, at(0))
    [seen_by_second] = await due(uow_factory, at(0))

    assert await claim(uow_factory(), seen_by_first, at(0) + LEASE) is True
    assert await claim(uow_factory(), seen_by_second, at(1) + LEASE) is False
    assert (await read(uow_factory, order)).next_attempt_at == at(0) + LEASE


async def test_a_claim_on_a_sent_or_unknown_email_loses(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    await added(uow_factory, owed(order))
    [email] = await due(uow_factory, at(0))
    sender = uow_factory()
    await sender.emails.mark_sent(email.id, at(1))
    await sender.commit()

    assert await claim(uow_factory(), email, at(2) + LEASE) is False
    assert await claim(uow_factory(), replace(email, id=new_id()), at(2) + LEASE) is False


@pytest.mark.parametrize("claimers", [2, 4])
async def test_units_claiming_the_same_email_at_once_leave_one_winner(
    uow_factory: UowFactory, claimers: int
) -> None:
    [order] = await stored_orders(uow_factory, 1)
    await added(uow_factory, owed(order))
    [email] = await due(uow_factory, at(0))
    units = [uow_factory() for _ in range(claimers)]

    won = await asyncio.gather(*(claim(unit, email, at(n) + LEASE) for n, unit in enumerate(units, start=1)))

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


async def claim_for_orders(uow: UnitOfWork, orders: list[Order], now: datetime) -> list[DeliveryEmail]:
    """Claim the orders' due emails and commit, as the fulfilment job's sender does."""
    try:
        taken = await uow.emails.claim_due_for_orders([order.id for order in orders], now, now + LEASE)
        await uow.commit()
    except ConcurrencyConflict:
        await uow.rollback()
        return []
    return taken


async def claim_for_order(uow: UnitOfWork, order: Order, now: datetime) -> list[DeliveryEmail]:
    return await claim_for_orders(uow, [order], now)


async def test_claiming_an_orders_due_emails_takes_each_once_until_its_lease_ends(
    uow_factory: UowFactory,
) -> None:
    first, other = await stored_orders(uow_factory, 2)
    received = owed(first, at(0), DeliveryEmailKind.ORDER_RECEIVED)
    fulfilled = owed(first, at(1))
    later = owed(first, at(5), REPLACED, cause="later")
    await added(uow_factory, received, fulfilled, later, owed(other, at(0)))

    taken = await claim_for_order(uow_factory(), first, at(2))

    # Only the order's emails due at that moment, oldest first, each now held for the lease.
    assert [e.id for e in taken] == [received.id, fulfilled.id]
    assert {e.next_attempt_at for e in taken} == {at(2) + LEASE}
    assert [e.status for e in taken] == [DeliveryEmailStatus.PENDING] * 2
    # Nobody else gets them before the lease ends: not this order's claim, not the batch.
    assert await claim_for_order(uow_factory(), first, at(3)) == []
    assert [e.order_id for e in await due(uow_factory, at(3))] == [other.id]
    # Once it ends they are due again, beside the one that came due meanwhile.
    again = await claim_for_order(uow_factory(), first, at(2) + LEASE)
    assert [e.id for e in again] == [received.id, fulfilled.id, later.id]


async def test_a_sent_email_is_not_claimed_for_its_order(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    email = owed(order, at(0))
    await added(uow_factory, email)
    sender = uow_factory()
    await sender.emails.mark_sent(email.id, at(1))
    await sender.commit()

    assert await claim_for_order(uow_factory(), order, at(2)) == []


@pytest.mark.parametrize("claimers", [2, 4])
async def test_units_claiming_an_orders_emails_at_once_share_none(
    uow_factory: UowFactory, claimers: int
) -> None:
    [order] = await stored_orders(uow_factory, 1)
    emails = [owed(order, at(0), DeliveryEmailKind.ORDER_RECEIVED), owed(order, at(1))]
    await added(uow_factory, *emails)

    taken = await asyncio.gather(*(claim_for_order(uow_factory(), order, at(2)) for _ in range(claimers)))

    ids = [email.id for claimed in taken for email in claimed]
    assert sorted(ids) == sorted(email.id for email in emails)


async def test_claiming_several_orders_due_emails_takes_theirs_oldest_first_whatever_the_order(
    uow_factory: UowFactory,
) -> None:
    first, second, other = await stored_orders(uow_factory, 3)
    # Created out of the orders' own order: the claim answers by `created_at`, whatever the order.
    second_fulfilled = owed(second, at(0))
    first_received = owed(first, at(1), DeliveryEmailKind.ORDER_RECEIVED)
    first_fulfilled = owed(first, at(2))
    not_yet = owed(second, at(9), REPLACED, cause="later")
    await added(uow_factory, first_fulfilled, not_yet, second_fulfilled, first_received, owed(other, at(0)))

    taken = await claim_for_orders(uow_factory(), [second, first], at(3))

    assert [e.id for e in taken] == [second_fulfilled.id, first_received.id, first_fulfilled.id]
    assert {e.next_attempt_at for e in taken} == {at(3) + LEASE}
    assert [e.order_id for e in await due(uow_factory, at(3))] == [other.id]
    assert await claim_for_orders(uow_factory(), [first, second], at(4)) == []
    assert await claim_for_orders(uow_factory(), [], at(4)) == []


@pytest.mark.parametrize("claimers", [2, 4])
async def test_units_claiming_overlapping_orders_emails_at_once_share_none(
    uow_factory: UowFactory, claimers: int
) -> None:
    orders = await stored_orders(uow_factory, 3)
    emails = [owed(order, at(n)) for n, order in enumerate(orders)]
    await added(uow_factory, *emails)
    # Each claimer asks for two of the three orders, each pair in another order.
    asked = [[orders[n % 3], orders[(n + 1) % 3]][:: (-1) ** n] for n in range(claimers)]

    taken = await asyncio.gather(*(claim_for_orders(uow_factory(), these, at(5)) for these in asked))

    ids = [email.id for claimed in taken for email in claimed]
    assert len(ids) == len(set(ids))
    assert set(ids) <= {email.id for email in emails}
    # What no claimer took is still due; nothing was taken twice or lost.
    left = {email.id for email in await due(uow_factory, at(5))}
    assert left | set(ids) == {email.id for email in emails}
    assert not left & set(ids)


# --- outcomes -----------------------------------------------------------------------------------------


async def test_marking_sent_counts_the_attempt_and_closes_the_email(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    email = replace(owed(order), attempts=2, last_error="SMTP 421")
    await added(uow_factory, email)

    sender = uow_factory()
    await sender.emails.mark_sent(email.id, at(40))
    await sender.commit()
    sent = await read(uow_factory, order)
    assert sent.status is DeliveryEmailStatus.SENT
    assert sent.attempts == 3
    assert sent.updated_at == at(40)
    assert await due(uow_factory, at(10_000)) == []

    # Sent stays sent, and counts no more attempts.
    late = uow_factory()
    await late.emails.mark_sent(email.id, at(50))
    await late.emails.mark_failed(email.id, "late", at(60), at(50))
    await late.commit()
    assert_same_fields(await read(uow_factory, order), sent)


async def test_marking_failed_counts_the_attempt_and_waits(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    email = owed(order)
    await added(uow_factory, email)

    sender = uow_factory()
    await sender.emails.mark_failed(email.id, "connection refused", at(30), at(0))
    await sender.commit()
    failed = await read(uow_factory, order)
    assert failed.status is DeliveryEmailStatus.PENDING
    assert failed.attempts == 1
    assert failed.last_error == "connection refused"
    assert failed.next_attempt_at == at(30)
    assert failed.updated_at == at(0)
    assert failed.created_at == email.created_at
    assert await due(uow_factory, at(29)) == []
    assert [n.id for n in await due(uow_factory, at(30))] == [email.id]


async def test_giving_up_counts_the_attempt_keeps_the_error_and_is_never_due_again(
    uow_factory: UowFactory,
) -> None:
    [order] = await stored_orders(uow_factory, 1)
    email = replace(owed(order), attempts=4, last_error="SMTP 421")
    await added(uow_factory, email)
    [seen] = await due(uow_factory, at(0))
    assert await claim(uow_factory(), seen, at(0) + LEASE) is True

    sender = uow_factory()
    error = "SMTPRecipientsRefused: SMTP 550 5.1.1 <player@example.com>: user unknown"
    await sender.emails.give_up(email.id, error, at(7))
    await sender.commit()
    failed = await read(uow_factory, order)
    assert failed.status is DeliveryEmailStatus.FAILED
    assert failed.attempts == 5
    assert failed.last_error == error
    assert failed.updated_at == at(7)
    assert failed.created_at == email.created_at
    assert await due(uow_factory, at(10_000_000)) == []

    # Failed stays failed: nothing sends, retries or claims it afterwards.
    late = uow_factory()
    await late.emails.mark_sent(email.id, at(8))
    await late.emails.mark_failed(email.id, "late", at(60), at(8))
    await late.emails.give_up(email.id, "again", at(8))
    await late.commit()
    assert_same_fields(await read(uow_factory, order), failed)
    assert await claim(uow_factory(), failed, at(9) + LEASE) is False


async def test_a_sent_email_is_never_given_up(uow_factory: UowFactory) -> None:
    [order] = await stored_orders(uow_factory, 1)
    email = owed(order)
    await added(uow_factory, email)
    sender = uow_factory()
    await sender.emails.mark_sent(email.id, at(1))
    await sender.commit()
    sent = await read(uow_factory, order)

    late = uow_factory()
    await late.emails.give_up(email.id, "too late", at(2))
    await late.commit()
    assert_same_fields(await read(uow_factory, order), sent)
