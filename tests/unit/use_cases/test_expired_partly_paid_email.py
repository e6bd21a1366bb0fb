"""An order that expires after part of its payment arrived owes its customer one email (staged with the
notification that leaves it so): what came in, what was asked, that no key comes, whom to ask for a
refund or to complete it, and the order page. A repeat owes nothing more; an expiry with nothing paid
owes nothing at all."""

from decimal import Decimal

from bitloot.application.ports.payments import VerifiedNotification
from bitloot.application.use_cases.apply_payment_notification import NotificationResult
from bitloot.application.use_cases.place_order import PlacedOrder
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind
from bitloot.domain.ids import new_id
from bitloot.domain.money import Money
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentOutcome, PaymentStatus
from bitloot.domain.shop import ShopIdentity
from tests.fakes.email_sender import SentNotice
from tests.unit.conftest import World

K = DeliveryEmailKind


def owed(world: World, order_id: str) -> list[DeliveryEmail]:
    return [e for e in world.db.emails.values() if e.order_id == order_id and e.kind is K.EXPIRED_PARTLY_PAID]


async def send(world: World) -> list[SentNotice]:
    before = len(world.email_sender.sent)
    await world.send_delivery_emails_use_case().execute()
    return [n for n in world.email_sender.sent[before:] if n.kind is K.EXPIRED_PARTLY_PAID]


async def notify(
    world: World, placed: PlacedOrder, status: PaymentStatus, paid: str, asked: str = "0.001"
) -> NotificationResult:
    """A notification about payment 111 of `placed`: `paid` of `asked` bitcoin."""
    body, signature = world.ipn(
        placed.order,
        status,
        payment_id=111,
        actually_paid=float(paid),
        pay_amount=float(asked),
        pay_currency="btc",
    )
    return await world.payment_use_case().execute(body, signature)


async def test_an_order_expiring_after_a_partial_payment_owes_one_email_saying_what_happens_next() -> None:
    world = World(shop=ShopIdentity("BitLoot", "help@loot.example"))
    placed = await world.order(await world.product(keys=["EXPIRED-KEY-0001"]))
    await notify(world, placed, PaymentStatus.PARTIALLY_PAID, "0.0004")

    result = await notify(world, placed, PaymentStatus.EXPIRED, "0.0004")

    assert (result.outcome, result.order_status) == (PaymentOutcome.APPLIED, OrderStatus.EXPIRED)
    [email] = owed(world, placed.order.id)
    assert email.dedupe_key == f"expired:{placed.order.id}"
    assert email.email == "player@example.com"
    [notice] = await send(world)
    underpayment = notice.content.underpayment
    assert underpayment is not None
    assert (underpayment.paid, underpayment.asked) == (
        Money(Decimal("0.0004"), "BTC"),
        Money(Decimal("0.001"), "BTC"),
    )
    assert notice.content.payment_url is None
    assert notice.content.delivery_link is None
    assert not notice.content.moved_on
    text = notice.rendered.text
    assert "Received: 0.0004 BTC" in text
    assert "Asked:    0.001 BTC" in text
    assert "no key will be delivered" in text
    assert "Write to help@loot.example" in text
    assert f"quote your order id {placed.order.id}" in text
    assert notice.order_page.url in text
    assert "/simulator/pay/" not in notice.words
    assert "EXPIRED-KEY-0001" not in notice.words
    assert placed.access_token not in notice.words


async def test_a_repeated_expiry_owes_no_second_email(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))
    await notify(world, placed, PaymentStatus.PARTIALLY_PAID, "0.0004")
    body, signature = world.ipn(
        placed.order, PaymentStatus.EXPIRED, payment_id=111, actually_paid=0.0004, pay_amount=0.001
    )
    for _ in range(3):  # the same webhook delivered again
        await world.payment_use_case().execute(body, signature)
    # The same expiry as the reconciler's lookup spells it, and a later part that came too late.
    note = world.webhook.read(body, signature).notification
    again = await world.apply_payment_use_case().execute(VerifiedNotification(note, "lookup-" + new_id()))
    assert again.outcome is PaymentOutcome.NO_CHANGE
    assert (
        await notify(world, placed, PaymentStatus.PARTIALLY_PAID, "0.0006")
    ).outcome is PaymentOutcome.STALE

    assert len(owed(world, placed.order.id)) == 1
    assert len(await send(world)) == 1
    assert await send(world) == []


async def test_an_expiry_after_a_partial_payment_owes_the_email_even_when_it_says_nothing_arrived(
    world: World,
) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))
    await notify(world, placed, PaymentStatus.PARTIALLY_PAID, "0.0004")

    await world.pay(placed, PaymentStatus.EXPIRED)  # the simulator's expiry: actually_paid 0

    assert world.db.orders[placed.order.id].status is OrderStatus.EXPIRED
    [notice] = await send(world)
    assert notice.content.underpayment is not None
    assert notice.content.underpayment.paid == Money(Decimal("0.0004"), "BTC")


async def test_an_expiry_with_nothing_paid_owes_no_email(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))

    result = await world.pay(placed, PaymentStatus.EXPIRED)
    assert (result.outcome, result.order_status) == (PaymentOutcome.APPLIED, OrderStatus.EXPIRED)
    # Repeats of it, too.
    await world.pay(placed, PaymentStatus.EXPIRED)

    assert owed(world, placed.order.id) == []
    assert [e.kind for e in world.db.emails.values() if e.order_id == placed.order.id] == [K.ORDER_RECEIVED]


async def test_an_expiry_that_says_some_money_arrived_owes_the_email(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))

    await notify(world, placed, PaymentStatus.EXPIRED, "0.0002")

    [notice] = await send(world)
    assert notice.content.underpayment is not None
    assert notice.content.underpayment.paid == Money(Decimal("0.0002"), "BTC")


async def test_a_part_paid_after_the_order_expired_owes_the_email(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))
    await world.pay(placed, PaymentStatus.EXPIRED)

    result = await notify(world, placed, PaymentStatus.PARTIALLY_PAID, "0.0003")

    assert result.outcome is PaymentOutcome.STALE
    [notice] = await send(world)
    assert notice.content.underpayment is not None
    assert notice.content.underpayment.paid == Money(Decimal("0.0003"), "BTC")


async def test_a_repeated_deposit_or_a_paid_order_owes_no_expiry_email(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))
    await world.pay(placed, PaymentStatus.EXPIRED)
    body, signature = world.ipn(
        placed.order, PaymentStatus.PARTIALLY_PAID, parent_payment_id=999, actually_paid=0.0001
    )
    assert (
        await world.payment_use_case().execute(body, signature)
    ).outcome is PaymentOutcome.REPEATED_DEPOSIT
    assert owed(world, placed.order.id) == []

    other = await world.order(await world.product("GAME-2", keys=["K-2"]))
    await world.pay(other)
    assert (await notify(world, other, PaymentStatus.EXPIRED, "0.0004")).outcome is PaymentOutcome.STALE
    assert owed(world, other.order.id) == []


async def test_an_expiry_email_sent_after_the_order_was_paid_after_all_says_it_moved_on(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))
    await notify(world, placed, PaymentStatus.PARTIALLY_PAID, "0.0004")
    await notify(world, placed, PaymentStatus.EXPIRED, "0.0004")
    await world.pay(placed)  # the rest arrived after all, before the email went out

    [notice] = await send(world)
    assert notice.content.moved_on
    assert "moved on since" in notice.rendered.text
