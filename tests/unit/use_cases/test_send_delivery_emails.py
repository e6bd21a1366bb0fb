"""The email outbox and SendDeliveryEmails on the in-memory world: one delivery email per fulfilled
order (after the "order received" email of its placing), written with the fulfilment, sent with a
fresh link, claimed by one sender at a time, retried with
exponential backoff while the mail server fails, and given up (`failed`) when it is refused for good or
still failing three days after it was owed."""

import asyncio
from datetime import timedelta

import pytest

from bitloot.application.errors import EmailNotSent, EmailRejected
from bitloot.application.ports.email_sender import OutgoingEmail
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.place_order import OrderLine, PlacedOrder, PlaceOrderRequest
from bitloot.application.use_cases.send_delivery_emails import SendReport
from bitloot.domain.delivery_email import (
    GIVE_UP_AFTER,
    MAX_ERROR_LENGTH,
    DeliveryEmail,
    DeliveryEmailKind,
    DeliveryEmailStatus,
    retry_delay,
    short_error,
)
from tests.fakes.email_sender import RecordingEmailSender
from tests.support.racing import concurrently
from tests.unit.conftest import BASE_URL, RacyWorld, World

LINK_TTL = timedelta(minutes=15)


def outbox(world: World) -> list[DeliveryEmail]:
    return sorted(world.db.emails.values(), key=lambda n: n.created_at)


def email_of(
    world: World, order_id: str, kind: DeliveryEmailKind = DeliveryEmailKind.ORDER_FULFILLED
) -> DeliveryEmail:
    [found] = [n for n in world.db.emails.values() if n.order_id == order_id and n.kind is kind]
    return found


async def received_emails_went_out(world: World) -> None:
    """The "order received" emails were sent when their orders were placed (as the reconciler's next
    round sends them): what is left to send is what the fulfilment owes."""
    uow = world.uow()
    for email in list(world.db.emails.values()):
        if email.kind is DeliveryEmailKind.ORDER_RECEIVED and email.status is DeliveryEmailStatus.PENDING:
            await uow.emails.mark_sent(email.id, world.clock.now())
    await uow.commit()


async def three_fulfilled(world: World) -> list[PlacedOrder]:
    """Three orders fulfilled, their received emails sent: each owes its delivery email."""
    product = await world.product(keys=["K-1", "K-2", "K-3"])
    orders = [await world.order(product) for _ in range(3)]
    await received_emails_went_out(world)
    for placed in orders:
        await world.pay(placed)
        await world.fulfill_use_case().execute(placed.order.id)
    return orders


async def three_fulfilled_with_a_flaky_sender() -> tuple[World, list[PlacedOrder]]:
    """`three_fulfilled`, with a mail server that fails the next send."""
    world = World(email_sender=FlakyEmailSender(failures=1))
    return world, await three_fulfilled(world)


class FlakyEmailSender(RecordingEmailSender):
    """Fails its first `failures` sends (with a reason a server might give), then sends."""

    def __init__(self, failures: int, reason: str = "connection refused") -> None:
        super().__init__()
        self.failures = failures
        self.reason = reason

    async def send(self, email: OutgoingEmail) -> None:
        if self.failures > 0:
            self.failures -= 1
            self.attempts += 1
            raise EmailNotSent(self.reason)
        await super().send(email)


class RejectingEmailSender(RecordingEmailSender):
    """Refuses for good every email to `rejected` (as a 550 for the recipient would), sends the rest."""

    REASON = "SMTPRecipientsRefused: SMTP 550 5.1.1 <gone@example.com>: user unknown"

    def __init__(self, rejected: str = "player@example.com") -> None:
        super().__init__()
        self.rejected = rejected

    async def send(self, email: OutgoingEmail) -> None:
        if email.email.recipient == self.rejected:
            self.attempts += 1
            raise EmailRejected(self.REASON)
        await super().send(email)


# --- the outbox row -----------------------------------------------------------------------------------


async def test_fulfilling_an_order_records_one_pending_email_and_sends_none(world: World) -> None:
    placed = await world.fulfilled_order()

    # The "order received" email of its placing, then the delivery email.
    received, email = outbox(world)
    assert received.kind is DeliveryEmailKind.ORDER_RECEIVED
    assert received.dedupe_key == f"received:{placed.order.id}"
    assert email.order_id == placed.order.id
    assert email.kind is DeliveryEmailKind.ORDER_FULFILLED
    assert email.email == "player@example.com"
    assert email.status is DeliveryEmailStatus.PENDING
    assert email.attempts == 0
    assert email.next_attempt_at == world.clock.now()
    assert email.last_error is None
    assert email.created_at == email.updated_at == world.clock.now()
    # The fulfilment itself tells nobody: sending is SendDeliveryEmails' part.
    assert world.email_sender.sent == []


async def test_running_the_fulfillment_again_records_no_second_email(world: World) -> None:
    placed = await world.fulfilled_order()
    for worker in ("worker-1", "worker-2"):
        assert await world.fulfill_use_case(worker).execute(placed.order.id) is FulfillOutcome.SKIPPED
    assert [n.kind for n in outbox(world)] == [
        DeliveryEmailKind.ORDER_RECEIVED,
        DeliveryEmailKind.ORDER_FULFILLED,
    ]


async def test_a_failed_order_owes_its_failure_email_and_no_delivery_email(world: World) -> None:
    product = await world.product(keys=["ONLY-ONE"])
    first, second = await world.order(product), await world.order(product)
    await received_emails_went_out(world)
    for placed in (first, second):
        await world.pay(placed)
    assert await world.fulfill_use_case().execute(first.order.id) is FulfillOutcome.FULFILLED
    assert await world.fulfill_use_case().execute(second.order.id) is FulfillOutcome.FAILED

    assert await world.send_delivery_emails_use_case().execute() == SendReport(sent=2)
    assert sorted((n.order_id, n.kind) for n in world.email_sender.sent) == sorted(
        [
            (first.order.id, DeliveryEmailKind.ORDER_FULFILLED),
            (second.order.id, DeliveryEmailKind.ORDER_FAILED),
        ]
    )


# --- sending ------------------------------------------------------------------------------------------


async def test_the_email_is_sent_once_with_a_fresh_link_and_marked_sent(world: World) -> None:
    secret = "SECRET-KEY-NEVER-MAILED"
    placed = await world.fulfilled_order(keys=[secret])
    await received_emails_went_out(world)
    world.clock.advance(timedelta(hours=3))  # say the mail server was down meanwhile

    assert await world.send_delivery_emails_use_case().execute() == SendReport(sent=1)

    [notice] = world.email_sender.sent
    assert (notice.order_id, notice.email) == (placed.order.id, "player@example.com")
    # Issued at send time, so it still has its whole 15 minutes when the customer reads it.
    assert notice.link.expires_at == world.clock.now() + LINK_TTL
    assert notice.link.url == f"{BASE_URL}/d/{notice.link.token}"
    assert world.links.resolve(notice.link.token, world.clock.now()) == placed.order.id
    assert secret not in repr(notice)
    assert secret not in notice.words
    assert notice.link.token not in repr(notice)
    sent = email_of(world, placed.order.id)
    assert sent.status is DeliveryEmailStatus.SENT
    assert sent.attempts == 1
    assert sent.updated_at == world.clock.now()


async def test_sending_again_and_again_sends_nothing_more(world: World) -> None:
    await world.fulfilled_order()
    assert await world.send_delivery_emails_use_case().execute() == SendReport(sent=2)
    for _ in range(3):
        world.clock.advance(timedelta(hours=1))
        assert await world.send_delivery_emails_use_case().execute() == SendReport()
    # The order received, and delivered: each email once.
    assert sorted(n.kind for n in world.email_sender.sent) == sorted(
        [DeliveryEmailKind.ORDER_RECEIVED, DeliveryEmailKind.ORDER_FULFILLED]
    )
    assert world.email_sender.attempts == 2


async def test_each_fulfilled_order_gets_its_own_email(world: World) -> None:
    product = await world.product(keys=["K-1", "K-2", "K-3"])
    orders = [await world.order(product) for _ in range(3)]
    for placed in orders:
        await world.pay(placed)
        await world.fulfill_use_case().execute(placed.order.id)

    assert await world.send_delivery_emails_use_case().execute() == SendReport(sent=6)
    delivered = world.email_sender.of_kind(DeliveryEmailKind.ORDER_FULFILLED)
    assert sorted(n.order_id for n in delivered) == sorted(p.order.id for p in orders)
    received = world.email_sender.of_kind(DeliveryEmailKind.ORDER_RECEIVED)
    assert sorted(n.order_id for n in received) == sorted(p.order.id for p in orders)


async def test_sending_for_one_order_leaves_the_others_to_the_reconciler(world: World) -> None:
    product = await world.product(keys=["K-1", "K-2"])
    first, second = await world.order(product), await world.order(product)
    for placed in (first, second):
        await world.pay(placed)
        await world.fulfill_use_case().execute(placed.order.id)

    assert await world.send_delivery_emails_use_case().execute(second.order.id) == SendReport(sent=2)
    assert [n.order_id for n in world.email_sender.sent] == [second.order.id] * 2
    assert await world.send_delivery_emails_use_case().execute(second.order.id) == SendReport()
    assert email_of(world, first.order.id).status is DeliveryEmailStatus.PENDING
    assert await world.send_delivery_emails_use_case().execute("no-such-order") == SendReport()


async def test_the_emails_of_several_orders_go_out_in_one_run_each_with_its_own_fresh_link(
    world: World,
) -> None:
    orders = await three_fulfilled(world)
    batch, left = orders[:2], orders[2]

    report = await world.send_delivery_emails_use_case().execute_for_orders([p.order.id for p in batch])

    assert report == SendReport(sent=2)
    sent = {n.order_id: n for n in world.email_sender.sent}
    assert sorted(sent) == sorted(p.order.id for p in batch)
    for placed in batch:
        notice = sent[placed.order.id]
        assert world.links.resolve(notice.link.token, world.clock.now()) == placed.order.id
        assert notice.content.total == placed.order.total
        assert email_of(world, placed.order.id).status is DeliveryEmailStatus.SENT
    assert email_of(world, left.order.id).status is DeliveryEmailStatus.PENDING
    job = world.send_delivery_emails_use_case()
    assert await job.execute_for_orders([p.order.id for p in batch]) == SendReport()
    assert await job.execute_for_orders([]) == SendReport()


async def test_a_batch_stopped_by_a_failure_gives_back_the_emails_of_every_order_it_did_not_try() -> None:
    world, orders = await three_fulfilled_with_a_flaky_sender()

    report = await world.send_delivery_emails_use_case().execute_for_orders([p.order.id for p in orders])

    assert report == SendReport(failed=1)
    assert world.email_sender.attempts == 1
    delivery = [email_of(world, p.order.id) for p in orders]
    [tried] = [e for e in delivery if e.attempts == 1]
    assert tried.next_attempt_at == world.clock.now() + retry_delay(1)
    untried = [e for e in delivery if e.attempts == 0]
    assert len(untried) == 2
    assert all(e.is_due(world.clock.now()) for e in untried)
    assert await world.send_delivery_emails_use_case().execute() == SendReport(sent=2)


# --- failures and backoff -----------------------------------------------------------------------------


async def test_a_failed_send_keeps_the_email_and_backs_off_exponentially(world: World) -> None:
    placed = await world.fulfilled_order()
    await received_emails_went_out(world)
    world.email_sender.unavailable = True

    waits = []
    for attempt in range(1, 10):
        assert await world.send_delivery_emails_use_case().execute() == SendReport(failed=1)
        failed = email_of(world, placed.order.id)
        assert failed.status is DeliveryEmailStatus.PENDING
        assert failed.attempts == attempt
        assert failed.last_error == "connection refused"
        assert failed.updated_at == world.clock.now()
        waits.append(failed.next_attempt_at - world.clock.now())
        # Not due before its time: nothing is tried.
        world.clock.advance(waits[-1] - timedelta(seconds=1))
        assert await world.send_delivery_emails_use_case().execute() == SendReport()
        assert world.email_sender.attempts == attempt
        world.clock.advance(timedelta(seconds=1))

    assert [w.total_seconds() for w in waits] == [30, 60, 120, 240, 480, 960, 1800, 1800, 1800]

    world.email_sender.unavailable = False
    assert await world.send_delivery_emails_use_case().execute() == SendReport(sent=1)
    sent = email_of(world, placed.order.id)
    assert (sent.status, sent.attempts) == (DeliveryEmailStatus.SENT, 10)
    assert len(world.email_sender.sent) == 1
    assert await world.send_delivery_emails_use_case().execute() == SendReport()


async def test_a_round_stops_at_the_first_failure_and_the_rest_follows_next_round() -> None:
    world, orders = await three_fulfilled_with_a_flaky_sender()

    assert await world.send_delivery_emails_use_case().execute() == SendReport(failed=1)
    assert world.email_sender.attempts == 1
    assert await world.send_delivery_emails_use_case().execute() == SendReport(sent=2)
    world.clock.advance(timedelta(seconds=30))
    assert await world.send_delivery_emails_use_case().execute() == SendReport(sent=1)
    assert sorted(n.order_id for n in world.email_sender.sent) == sorted(p.order.id for p in orders)


async def test_the_kept_error_is_short_and_on_one_line() -> None:
    world = World(email_sender=FlakyEmailSender(failures=1, reason="SMTP 451\n" + "x" * 1000))
    placed = await world.fulfilled_order()
    await received_emails_went_out(world)
    await world.send_delivery_emails_use_case().execute()
    error = email_of(world, placed.order.id).last_error
    assert error is not None
    assert len(error) <= MAX_ERROR_LENGTH
    assert "\n" not in error
    assert error.startswith("SMTP 451 xxx")


# --- giving up ----------------------------------------------------------------------------------------


async def test_an_email_refused_for_good_is_failed_with_its_error_and_never_tried_again() -> None:
    world = World(email_sender=RejectingEmailSender())
    placed = await world.fulfilled_order()
    await received_emails_went_out(world)

    assert await world.send_delivery_emails_use_case().execute() == SendReport(given_up=1)
    failed = email_of(world, placed.order.id)
    assert failed.status is DeliveryEmailStatus.FAILED
    assert failed.attempts == 1
    assert failed.last_error == RejectingEmailSender.REASON
    assert failed.updated_at == world.clock.now()

    for _ in range(3):
        world.clock.advance(timedelta(days=1))
        assert await world.send_delivery_emails_use_case().execute() == SendReport()
        assert await world.send_delivery_emails_use_case().execute(placed.order.id) == SendReport()
    assert world.email_sender.attempts == 1
    assert world.email_sender.sent == []
    assert email_of(world, placed.order.id) == failed


async def test_a_refusal_for_good_concerns_one_email_and_the_round_goes_on() -> None:
    world = World(email_sender=RejectingEmailSender())
    product = await world.product(keys=["K-1", "K-2", "K-3"])
    rejected = await world.order(product)
    others = [
        await world.place_order_use_case().execute(
            PlaceOrderRequest(f"buyer-{n}@example.com", [OrderLine(product.id, 1)])
        )
        for n in range(2)
    ]
    await received_emails_went_out(world)
    for placed in (rejected, *others):
        await world.pay(placed)
        await world.fulfill_use_case().execute(placed.order.id)

    assert await world.send_delivery_emails_use_case().execute() == SendReport(sent=2, given_up=1)
    assert sorted(n.order_id for n in world.email_sender.sent) == sorted(p.order.id for p in others)
    assert email_of(world, rejected.order.id).status is DeliveryEmailStatus.FAILED


async def test_an_email_still_failing_three_days_after_it_was_owed_is_given_up(world: World) -> None:
    placed = await world.fulfilled_order()
    await received_emails_went_out(world)
    owed_at = world.clock.now()
    world.email_sender.unavailable = True

    # Three days of backoff are about 150 attempts; well before 500 it must have given up.
    for _ in range(500):
        current = email_of(world, placed.order.id)
        if current.status is not DeliveryEmailStatus.PENDING:
            break
        world.clock.advance(max(current.next_attempt_at - world.clock.now(), timedelta(0)))
        report = await world.send_delivery_emails_use_case().execute()
        if world.clock.now() - owed_at < GIVE_UP_AFTER:
            assert report == SendReport(failed=1)
            assert email_of(world, placed.order.id).status is DeliveryEmailStatus.PENDING
    else:
        pytest.fail(f"still retrying {world.clock.now() - owed_at} after the email was owed")

    given_up = email_of(world, placed.order.id)
    assert report == SendReport(given_up=1)
    assert given_up.status is DeliveryEmailStatus.FAILED
    assert given_up.last_error == "connection refused"
    assert given_up.attempts == world.email_sender.attempts
    # Tried at every backoff step for three days, and the first try after them was the last.
    assert owed_at + GIVE_UP_AFTER <= world.clock.now() < owed_at + GIVE_UP_AFTER + timedelta(minutes=30)

    world.email_sender.unavailable = False
    world.clock.advance(timedelta(hours=1))
    assert await world.send_delivery_emails_use_case().execute() == SendReport()
    assert world.email_sender.sent == []


async def test_an_email_sent_at_last_after_three_days_is_sent_not_failed(world: World) -> None:
    placed = await world.fulfilled_order()
    await received_emails_went_out(world)
    world.email_sender.unavailable = True
    assert await world.send_delivery_emails_use_case().execute() == SendReport(failed=1)

    world.clock.advance(GIVE_UP_AFTER + timedelta(hours=1))
    world.email_sender.unavailable = False
    assert await world.send_delivery_emails_use_case().execute() == SendReport(sent=1)
    sent = email_of(world, placed.order.id)
    assert (sent.status, sent.attempts, sent.last_error) == (
        DeliveryEmailStatus.SENT,
        2,
        "connection refused",
    )


def test_an_email_is_overdue_three_days_after_it_was_owed(world: World) -> None:
    owed = DeliveryEmail.owed(
        DeliveryEmailKind.ORDER_FULFILLED, "order-1", "player@example.com", world.clock.now(), email_id="n-1"
    )
    assert not owed.is_overdue(world.clock.now() + GIVE_UP_AFTER - timedelta(microseconds=1))
    assert owed.is_overdue(world.clock.now() + GIVE_UP_AFTER)


def test_retry_delays_double_from_30_seconds_up_to_30_minutes() -> None:
    assert [retry_delay(n).total_seconds() for n in range(0, 9)] == [
        30, 30, 60, 120, 240, 480, 960, 1800, 1800,
    ]  # fmt: skip
    assert retry_delay(10_000) == timedelta(minutes=30)


def test_short_error() -> None:
    assert short_error("  a\n b\t c ") == "a b c"
    assert short_error("") == "failed"
    assert len(short_error("y" * 500)) == MAX_ERROR_LENGTH


# --- claims -------------------------------------------------------------------------------------------


async def claimed_by_another_sender(world: World, lease: timedelta) -> PlacedOrder:
    """A fulfilled order whose delivery email (the one email due) another sender claimed for
    `lease`, from now."""
    placed = await world.fulfilled_order()
    await received_emails_went_out(world)
    uow = world.uow()
    [due] = await uow.emails.due(world.clock.now(), 10)
    assert due.order_id == placed.order.id
    assert await uow.emails.claim(due.id, due.next_attempt_at, world.clock.now() + lease)
    await uow.commit()
    return placed


@pytest.mark.parametrize("senders", [2, 5])
async def test_concurrent_senders_send_each_email_once(senders: int) -> None:
    world = RacyWorld()
    product = await world.product(keys=["K-1", "K-2", "K-3"])
    orders = [await world.order(product) for _ in range(3)]
    for placed in orders:
        await world.pay(placed)
        await world.fulfill_use_case().execute(placed.order.id)

    reports = await concurrently(senders, lambda: world.send_delivery_emails_use_case().execute())

    # Each order's "order received" and delivery emails, each once.
    assert sum(r.sent for r in reports) == 6
    assert sorted(n.order_id for n in world.email_sender.sent) == sorted(p.order.id for p in orders * 2)
    assert all(n.status is DeliveryEmailStatus.SENT and n.attempts == 1 for n in outbox(world))


async def test_the_job_and_the_reconciler_racing_for_one_order_send_once() -> None:
    world = RacyWorld()
    placed = await world.fulfilled_order()

    await asyncio.gather(
        world.send_delivery_emails_use_case().execute(placed.order.id),
        world.send_delivery_emails_use_case().execute(),
    )
    assert sorted(n.kind for n in world.email_sender.sent) == sorted(
        [DeliveryEmailKind.ORDER_RECEIVED, DeliveryEmailKind.ORDER_FULFILLED]
    )


async def test_a_sender_that_died_holding_the_claim_is_taken_over_after_its_lease(world: World) -> None:
    lease = timedelta(minutes=2)
    # A sender claims the email and dies before sending (or before recording what it sent).
    placed = await claimed_by_another_sender(world, lease)

    assert await world.send_delivery_emails_use_case(lease).execute() == SendReport()
    world.clock.advance(lease - timedelta(seconds=1))
    assert await world.send_delivery_emails_use_case(lease).execute() == SendReport()
    world.clock.advance(timedelta(seconds=1))
    assert await world.send_delivery_emails_use_case(lease).execute() == SendReport(sent=1)
    assert [n.order_id for n in world.email_sender.sent] == [placed.order.id]


async def test_the_jobs_sender_leaves_an_email_another_sender_holds_until_its_lease_ends(
    world: World,
) -> None:
    lease = timedelta(minutes=2)
    # The reconciler's sender claimed the order's email (and is sending it, or died doing so).
    placed = await claimed_by_another_sender(world, lease)

    job = world.send_delivery_emails_use_case(lease)
    assert await job.execute(placed.order.id) == SendReport()
    world.clock.advance(lease - timedelta(seconds=1))
    assert await job.execute(placed.order.id) == SendReport()
    assert world.email_sender.sent == []
    world.clock.advance(timedelta(seconds=1))
    assert await job.execute(placed.order.id) == SendReport(sent=1)
    assert [n.order_id for n in world.email_sender.sent] == [placed.order.id]
    assert email_of(world, placed.order.id).status is DeliveryEmailStatus.SENT


async def test_the_jobs_sender_stopped_by_a_failure_gives_back_what_it_did_not_try() -> None:
    world = World(email_sender=FlakyEmailSender(failures=1))
    placed = await world.fulfilled_order()
    # Both emails of the order are due: its "order received" and its delivery.

    report = await world.send_delivery_emails_use_case().execute(placed.order.id)

    assert report == SendReport(failed=1)
    tried, untried = sorted(
        (n for n in world.db.emails.values() if n.order_id == placed.order.id), key=lambda n: -n.attempts
    )
    assert tried.attempts == 1
    assert tried.next_attempt_at == world.clock.now() + retry_delay(1)
    # The other is due again at once, for the next round: not held for a lease it never used.
    assert untried.attempts == 0
    assert untried.is_due(world.clock.now())
    assert await world.send_delivery_emails_use_case().execute() == SendReport(sent=1)
