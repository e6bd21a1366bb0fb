"""The customer's emails besides the delivery link, on the in-memory world: each staged in the
transaction that owes it, once (order received when placed, underpaid per payment and amount, failed
once), and what each says when it is sent: product names, total, the payment page while the order can
be paid, the missing amount, the order page; never a key."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from bitloot.application.ports.payments import VerifiedNotification
from bitloot.application.use_cases.apply_payment_notification import NotificationResult
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.place_order import OrderLine, PlacedOrder, PlaceOrderRequest
from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, RevealRequest
from bitloot.application.use_cases.send_delivery_emails import SendReport
from bitloot.domain.audit import ClientInfo
from bitloot.domain.delivery_email import (
    CARRIES_DELIVERY_LINK,
    MAX_DEDUPE_KEY_LENGTH,
    ONCE_PER_ORDER,
    DeliveryEmail,
    DeliveryEmailKind,
    DeliveryEmailStatus,
    dedupe_key,
    underpaid_cause,
)
from bitloot.domain.ids import new_id
from bitloot.domain.money import Money
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentOutcome, PaymentStatus
from bitloot.domain.shop import ShopIdentity
from tests.fakes.email_sender import SentNotice
from tests.support.actors import CLI
from tests.unit.conftest import BASE_URL, World

K = DeliveryEmailKind


def owed(world: World, order_id: str, *kinds: DeliveryEmailKind) -> list[DeliveryEmail]:
    emails = sorted(world.db.emails.values(), key=lambda e: (e.created_at, e.id))
    return [e for e in emails if e.order_id == order_id and (not kinds or e.kind in kinds)]


async def send(world: World) -> list[SentNotice]:
    """Send what is owed; the emails this round sent."""
    before = len(world.email_sender.sent)
    await world.send_delivery_emails_use_case().execute()
    return world.email_sender.sent[before:]


async def partial(
    world: World, placed: PlacedOrder, payment_id: int, paid: str, asked: str = "0.001"
) -> NotificationResult:
    """A `partially_paid` IPN: `paid` of `asked` bitcoin."""
    body, signature = world.ipn(
        placed.order,
        PaymentStatus.PARTIALLY_PAID,
        payment_id=payment_id,
        actually_paid=float(paid),
        pay_amount=float(asked),
        pay_currency="btc",
    )
    return await world.payment_use_case().execute(body, signature)


# --- order received -----------------------------------------------------------------------------------


async def test_placing_an_order_stages_its_order_received_email_with_it(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]), quantity=1)

    [email] = owed(world, placed.order.id)
    assert email.kind is K.ORDER_RECEIVED
    assert email.dedupe_key == f"received:{placed.order.id}"
    assert (email.email, email.status, email.next_attempt_at) == (
        "player@example.com",
        DeliveryEmailStatus.PENDING,
        world.clock.now(),
    )
    # Nothing is sent on the request path: the reconciler's round (or the fulfilment job) sends it.
    assert world.email_sender.sent == []


async def test_a_refused_order_stages_no_email(world: World) -> None:
    product = await world.product(keys=["K-1"])
    with pytest.raises(Exception, match="left in stock"):
        await world.order(product, quantity=2)
    assert world.db.emails == {}


async def test_the_order_received_email_names_the_products_and_links_the_payment_and_order_pages(
    world: World,
) -> None:
    game = await world.product("GAME-1", "19.99", keys=["G-1", "G-2"])
    dlc = await world.product("DLC-1", "5.00", keys=["D-1"])
    placed = await world.place_order_use_case().execute(
        PlaceOrderRequest("player@example.com", [OrderLine(game.id, 2), OrderLine(dlc.id, 1)])
    )

    [notice] = await send(world)
    content = notice.content
    assert content.kind is K.ORDER_RECEIVED
    assert [(line.product, line.quantity) for line in content.lines] == [
        ("Game GAME-1", 2),
        ("Game DLC-1", 1),
    ]
    assert content.total == Money(Decimal("44.98"), "EUR")
    assert content.payment_url == placed.order.payment_url == f"{BASE_URL}/simulator/pay/{placed.order.id}"
    assert content.delivery_link is None
    assert world.order_pages.resolve(notice.order_page.token, world.clock.now()) == placed.order.id
    assert notice.order_page.url in notice.rendered.text
    assert content.payment_url in notice.rendered.text
    assert "44.98 EUR" in notice.rendered.text
    assert "2 x Game GAME-1" in notice.rendered.text
    assert placed.access_token not in notice.words


async def test_an_order_received_email_sent_after_the_order_expired_asks_for_no_payment(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))
    world.email_sender.unavailable = True
    assert await world.send_delivery_emails_use_case().execute() == SendReport(failed=1)
    await world.pay(placed, PaymentStatus.EXPIRED)
    assert world.db.orders[placed.order.id].status is OrderStatus.EXPIRED

    world.email_sender.unavailable = False
    world.clock.advance(timedelta(seconds=30))  # its next try
    [notice] = await send(world)
    assert notice.kind is K.ORDER_RECEIVED
    assert notice.content.payment_url is None
    assert notice.content.moved_on
    assert "/simulator/pay/" not in notice.words
    assert "moved on since" in notice.rendered.text
    # The expiry itself owes no email: the customer paid nothing.
    assert [e.kind for e in owed(world, placed.order.id)] == [K.ORDER_RECEIVED]


# --- underpaid ----------------------------------------------------------------------------------------


async def test_a_partial_payment_stages_one_underpaid_email_with_what_is_missing(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))

    result = await partial(world, placed, 111, "0.0004")

    assert result.outcome is PaymentOutcome.APPLIED
    assert result.order_status is OrderStatus.UNDERPAID
    [email] = owed(world, placed.order.id, K.UNDERPAID)
    assert email.dedupe_key == f"underpaid:{placed.order.id}:111:0.0004"
    sent = {n.kind: n for n in await send(world)}
    assert set(sent) == {K.ORDER_RECEIVED, K.UNDERPAID}
    notice = sent[K.UNDERPAID]
    underpayment = notice.content.underpayment
    assert underpayment is not None
    assert (underpayment.paid, underpayment.missing) == (
        Money(Decimal("0.0004"), "BTC"),
        Money(Decimal("0.0006"), "BTC"),
    )
    assert notice.content.payment_url == placed.order.payment_url
    assert not notice.content.moved_on
    assert "Missing: 0.0006 BTC" in notice.rendered.text
    assert "0.0006 BTC" in notice.rendered.html


async def test_underpaid_emails_of_several_orders_sent_together_each_tell_their_own_order(
    world: World,
) -> None:
    first = await world.order(await world.product(sku="GAME-A", keys=["K-1"]))
    second = await world.order(await world.product(sku="GAME-B", keys=["K-2"]))
    await partial(world, first, 111, "0.0004")
    await partial(world, second, 222, "0.0009")

    await world.send_delivery_emails_use_case().execute_for_orders([second.order.id, first.order.id])

    sent = {n.order_id: n for n in world.email_sender.of_kind(K.UNDERPAID)}
    told = {}
    for order_id, notice in sent.items():
        underpayment = notice.content.underpayment
        assert underpayment is not None
        told[order_id] = (
            underpayment.paid,
            underpayment.missing,
            [line.product for line in notice.content.lines],
        )
    btc = "BTC"
    assert told == {
        first.order.id: (Money(Decimal("0.0004"), btc), Money(Decimal("0.0006"), btc), ["Game GAME-A"]),
        second.order.id: (Money(Decimal("0.0009"), btc), Money(Decimal("0.0001"), btc), ["Game GAME-B"]),
    }


async def test_a_repeated_partial_payment_notification_stages_nothing(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))
    body, signature = world.ipn(
        placed.order, PaymentStatus.PARTIALLY_PAID, payment_id=111, actually_paid=0.0004, pay_amount=0.001
    )
    for _ in range(3):
        await world.payment_use_case().execute(body, signature)
    # The same payment and amount again in another payload (as the reconciler's lookup spells it).
    note = world.webhook.read(body, signature).notification
    again = await world.apply_payment_use_case().execute(VerifiedNotification(note, "lookup-" + new_id()))
    assert again.outcome is PaymentOutcome.NO_CHANGE

    assert len(owed(world, placed.order.id, K.UNDERPAID)) == 1
    sent = await send(world)
    assert sorted(n.kind for n in sent) == sorted([K.ORDER_RECEIVED, K.UNDERPAID])
    assert await send(world) == []


async def test_a_further_partial_payment_stages_one_more_with_the_new_missing_amount(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))
    await partial(world, placed, 111, "0.0004")
    [first] = [n for n in await send(world) if n.kind is K.UNDERPAID]

    result = await partial(world, placed, 111, "0.0007")

    assert result.outcome is PaymentOutcome.NO_CHANGE  # underpaid still
    [second] = await send(world)
    assert second.kind is K.UNDERPAID
    assert first.content.underpayment is not None
    assert second.content.underpayment is not None
    assert first.content.underpayment.missing == Money(Decimal("0.0006"), "BTC")
    assert second.content.underpayment.missing == Money(Decimal("0.0003"), "BTC")


async def test_a_partial_payment_of_an_expired_order_stages_nothing(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))
    await world.pay(placed, PaymentStatus.EXPIRED)

    result = await partial(world, placed, 111, "0.0004")

    assert result.outcome is PaymentOutcome.STALE
    assert owed(world, placed.order.id, K.UNDERPAID) == []


async def test_a_partial_payment_of_a_paid_order_and_a_repeated_deposit_stage_nothing(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))
    body, signature = world.ipn(
        placed.order, PaymentStatus.PARTIALLY_PAID, parent_payment_id=999, actually_paid=0.0001
    )
    assert (
        await world.payment_use_case().execute(body, signature)
    ).outcome is PaymentOutcome.REPEATED_DEPOSIT
    await world.pay(placed)

    assert (await partial(world, placed, 222, "0.0004")).outcome is PaymentOutcome.STALE
    assert owed(world, placed.order.id, K.UNDERPAID) == []


async def test_an_underpaid_email_sent_after_the_order_was_topped_up_asks_for_nothing(world: World) -> None:
    placed = await world.order(await world.product(keys=["K-1"]))
    await partial(world, placed, 111, "0.0004")
    await world.pay(placed)  # topped up before the email went out

    sent = {n.kind: n for n in await send(world)}
    notice = sent[K.UNDERPAID]
    assert notice.content.moved_on
    assert notice.content.payment_url is None
    assert "/simulator/pay/" not in notice.words
    assert "moved on since" in notice.rendered.text


def test_an_underpaid_dedupe_key_always_fits_its_column() -> None:
    def underpaid_key(order_id: str, payment_id: str, paid: Decimal) -> str:
        return dedupe_key(K.UNDERPAID, underpaid_cause(order_id, payment_id, paid))

    order_id = new_id()
    assert underpaid_key(order_id, "5077125051", Decimal("0.50")) == (
        underpaid_key(order_id, "5077125051", Decimal("0.5"))
    )
    assert underpaid_key(order_id, "1", Decimal("100")).endswith(":1:100")
    long = underpaid_key(order_id, "p" * 100, Decimal("0.12345678"))
    assert len(long) <= MAX_DEDUPE_KEY_LENGTH
    assert long != underpaid_key(order_id, "p" * 100, Decimal("0.12345679"))


# --- failed -------------------------------------------------------------------------------------------


async def test_a_failed_order_stages_one_failed_email_however_often_it_fails(world: World) -> None:
    product = await world.product(keys=["ONLY-ONE"])
    rival, placed = await world.order(product), await world.order(product)
    for order in (rival, placed):
        await world.pay(order)
    assert await world.fulfill_use_case().execute(rival.order.id) is FulfillOutcome.FULFILLED
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FAILED
    # The operator restocks and retries, but another order takes the key first: it fails again.
    await world.import_stock().execute(product.id, ["RESTOCKED"], CLI)
    await world.retry_use_case().execute(placed.order.id, CLI)
    faster = await world.order(product)
    await world.pay(faster)
    assert await world.fulfill_use_case().execute(faster.order.id) is FulfillOutcome.FULFILLED
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FAILED

    [email] = owed(world, placed.order.id, K.ORDER_FAILED)
    assert email.dedupe_key == f"failed:{placed.order.id}"
    sent = [n for n in await send(world) if n.order_id == placed.order.id]
    assert sorted(n.kind for n in sent) == sorted([K.ORDER_RECEIVED, K.ORDER_FAILED])
    [failed] = [n for n in sent if n.kind is K.ORDER_FAILED]
    assert failed.content.delivery_link is None
    assert failed.content.payment_url is None
    assert "What happens next" in failed.rendered.text
    failure_reason = world.db.orders[placed.order.id].failure_reason
    assert failure_reason
    assert failure_reason not in failed.words  # the operator's reason is not the customer's business


# --- every email --------------------------------------------------------------------------------------


async def test_no_email_of_any_kind_carries_a_key(world: World) -> None:
    secret = "SEALED-KEY-NEVER-MAILED-7Q2W"
    placed = await world.fulfilled_order(keys=[secret])
    assert world.store.blobs  # the key is in the world, sealed
    now, order = world.clock.now(), placed.order
    uow = world.uow()
    for kind in set(DeliveryEmailKind) - {K.ORDER_RECEIVED, K.ORDER_FULFILLED}:
        cause = None if kind in ONCE_PER_ORDER else f"test-{kind}"
        await uow.emails.add(
            DeliveryEmail.owed(kind, order.id, order.email, now, email_id=new_id(), cause=cause)
        )
    await uow.commit()
    # Revealed once, too: the key has been read out of the vault in this world.
    revealed = await world.reveal_use_case().execute(
        RevealRequest(AccessTokenCredential(order.id, placed.access_token), ClientInfo("198.51.100.7", "t"))
    )
    assert [k.key.secret for k in revealed.keys] == [secret.encode()]

    sent = await send(world)

    assert sorted(n.kind for n in sent) == sorted(DeliveryEmailKind)
    for notice in sent:
        for text in (notice.rendered.subject, notice.rendered.text, notice.rendered.html, repr(notice)):
            assert secret not in text, notice.kind
        assert placed.access_token not in notice.words
        assert notice.order_page.url in notice.rendered.text
        assert (notice.content.delivery_link is not None) is (notice.kind in CARRIES_DELIVERY_LINK)


async def test_every_email_names_the_shop_and_its_support_address_and_escapes_product_names() -> None:
    world = World(shop=ShopIdentity("Loot & Co", "help@loot.example"))
    product = await world.product(keys=["K-1"])
    product_named = replace(product, name='<script>alert("boo")</script>')
    uow = world.uow()
    await uow.products.save(product_named)
    await uow.commit()
    placed = await world.order(product)
    await world.pay(placed)
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED

    sent = await send(world)

    assert sorted(n.kind for n in sent) == sorted([K.ORDER_RECEIVED, K.ORDER_FULFILLED])
    for notice in sent:
        assert "Loot & Co" in notice.rendered.text
        assert "Loot &amp; Co" in notice.rendered.html
        assert "help@loot.example" in notice.rendered.text
        assert 'href="mailto:help@loot.example"' in notice.rendered.html
        assert '<script>alert("boo")</script>' in notice.rendered.text
        assert "<script" not in notice.rendered.html
        assert "&lt;script&gt;alert(&#34;boo&#34;)&lt;/script&gt;" in notice.rendered.html
