"""The customer's order page (docs/http-api.md): what it shows in each state, how it follows the
order live, and "Lost your email?" (the order page link by email, the same answer whether or not
the order matches)."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from bitloot.adapters.email.address_rules import EmailValidatorAddresses
from bitloot.application.errors import InvalidOrderPageLink
from bitloot.application.ports.read_models import OrderProgress
from bitloot.application.use_cases.follow_order import FollowOrder, FollowSettings
from bitloot.application.use_cases.get_order_page import GetOrderPage, NextStep, OrderPage
from bitloot.application.use_cases.place_order import PlacedOrder
from bitloot.application.use_cases.send_order_page_link import SendOrderPageLink
from bitloot.domain.delivery_email import DeliveryEmailKind
from bitloot.domain.errors import InvalidValue
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentStatus
from tests.fakes.read_models import MemoryOrderPageReader, MemoryOrderProgressReader
from tests.unit.conftest import BASE_URL, World

S = OrderStatus
FAST = FollowSettings(every_seconds=0, max_looks=50)


def pages(world: World) -> GetOrderPage:
    return GetOrderPage(world.order_pages, MemoryOrderPageReader(world.db), world.clock)


def follow(world: World, settings: FollowSettings = FAST) -> FollowOrder:
    return FollowOrder(world.order_pages, MemoryOrderProgressReader(world.db), world.clock, settings)


def lookup(world: World) -> SendOrderPageLink:
    return SendOrderPageLink(world.uow(), world.clock, world.order_limits, EmailValidatorAddresses())


async def page_of(world: World, placed: PlacedOrder) -> OrderPage:
    return await pages(world).execute(placed.order_page.token)


async def placed_order(world: World, quantity: int = 2) -> PlacedOrder:
    return await world.order(await world.product(keys=["KEY-1", "KEY-2"]), quantity)


# --- what the page shows -------------------------------------------------------------------------


async def test_placing_an_order_issues_its_order_page_link(world: World) -> None:
    placed = await placed_order(world)

    assert placed.order_page.url == f"{BASE_URL}/o/{placed.order_page.token}"
    assert placed.order_page.expires_at == world.clock.now() + timedelta(days=30)
    assert world.order_pages.resolve(placed.order_page.token, world.clock.now()) == placed.order.id


async def test_an_order_awaiting_payment_offers_its_payment_link(world: World) -> None:
    placed = await placed_order(world)

    page = await page_of(world, placed)

    assert page.order_id == placed.order.id
    assert page.status is S.AWAITING_PAYMENT
    assert page.next_step is NextStep.PAY
    assert page.payment_url == placed.order.payment_url
    assert page.live
    assert [(line.product_name, line.quantity) for line in page.lines] == [("Game GAME-1", 2)]
    assert str(page.total) == "39.98 EUR"
    assert page.shortfall is None


async def test_an_underpaid_order_says_what_arrived_and_what_is_missing(world: World) -> None:
    placed = await placed_order(world)
    await world.pay(placed, PaymentStatus.PARTIALLY_PAID)  # the simulator pays half, in "sim"

    page = await page_of(world, placed)

    assert page.status is S.UNDERPAID
    assert page.next_step is NextStep.PAY_THE_REST
    assert page.payment_url == placed.order.payment_url
    assert page.shortfall is not None
    assert (page.shortfall.received, page.shortfall.missing) == (Decimal("19.99"), Decimal("19.99"))
    assert page.shortfall.currency == "sim"
    assert page.live


async def test_a_second_partial_payment_shows_the_latest_amount(world: World) -> None:
    placed = await placed_order(world)
    await world.payment_use_case().execute(
        *world.ipn(placed.order, PaymentStatus.PARTIALLY_PAID, actually_paid=5)
    )
    world.clock.advance(timedelta(seconds=5))
    await world.payment_use_case().execute(
        *world.ipn(placed.order, PaymentStatus.PARTIALLY_PAID, actually_paid=30)
    )

    shortfall = (await page_of(world, placed)).shortfall

    assert shortfall is not None
    assert (shortfall.received, shortfall.missing) == (Decimal(30), Decimal("9.98"))


async def test_a_partial_payment_recorded_without_the_amount_asked_shows_what_arrived(world: World) -> None:
    placed = await placed_order(world)
    await world.pay(placed, PaymentStatus.PARTIALLY_PAID)
    for key, record in world.db.payments.items():  # a record from before migration 0014
        world.db.payments[key] = replace(record, pay_amount=None)

    shortfall = (await page_of(world, placed)).shortfall

    assert shortfall is not None
    assert (shortfall.received, shortfall.missing) == (Decimal("19.99"), None)


@pytest.mark.parametrize("status", [S.PAID, S.FULFILLING, S.NEEDS_ATTENTION])
async def test_a_paid_order_being_prepared_says_wait(world: World, status: OrderStatus) -> None:
    placed = await placed_order(world)
    world.db.orders[placed.order.id].status = status

    page = await page_of(world, placed)

    assert page.next_step is NextStep.WAIT
    assert page.payment_url is None
    assert page.live is (status is not S.NEEDS_ATTENTION)


async def test_a_fulfilled_order_offers_a_fresh_link_and_counts_its_reveals(world: World) -> None:
    placed = await world.fulfilled_order()
    world.db.orders[placed.order.id].reveal_count = 2

    page = await page_of(world, placed)

    assert page.status is S.FULFILLED
    assert page.next_step is NextStep.GET_LINK
    assert page.can_get_link
    assert page.reveal_count == 2
    assert page.payment_url is None
    assert not page.live


@pytest.mark.parametrize("status", [S.FAILED, S.EXPIRED, S.PAYMENT_FAILED, S.REFUNDED])
async def test_an_order_that_ended_otherwise_points_at_support(world: World, status: OrderStatus) -> None:
    placed = await placed_order(world)
    world.db.orders[placed.order.id].status = status

    page = await page_of(world, placed)

    assert page.next_step is NextStep.CONTACT_SUPPORT
    assert page.payment_url is None
    assert not page.can_get_link
    assert not page.live


async def test_the_page_holds_no_key_no_link_and_no_email_address(world: World) -> None:
    placed = await world.fulfilled_order(keys=["KEY-SECRET-1"])

    shown = repr(await page_of(world, placed))

    assert "KEY-SECRET-1" not in shown
    assert placed.order.email not in shown
    assert "/d/" not in shown
    assert placed.order_page.token not in shown


async def test_a_forged_altered_or_expired_link_opens_nothing(world: World) -> None:
    placed = await placed_order(world)
    token = placed.order_page.token
    delivery_token = world.links.issue(placed.order.id, world.clock.now()).token

    for bad in ("", "nonsense", token[:-2] + "xx", delivery_token):
        with pytest.raises(InvalidOrderPageLink):
            await pages(world).execute(bad)
    world.clock.advance(timedelta(days=30))
    with pytest.raises(InvalidOrderPageLink):
        await pages(world).execute(token)


# --- following the order live --------------------------------------------------------------------


async def test_the_watch_reports_the_state_then_each_change_and_ends_once_settled(world: World) -> None:
    placed = await placed_order(world)
    seen: list[OrderStatus] = []

    async for state in follow(world).watch(placed.order_page.token):
        seen.append(state)
        if state is S.AWAITING_PAYMENT:
            await world.pay(placed)
        elif state is S.PAID:
            world.db.orders[placed.order.id].status = S.FULFILLING
        elif state is S.FULFILLING:
            world.db.orders[placed.order.id].status = S.FULFILLED

    assert seen == [S.AWAITING_PAYMENT, S.PAID, S.FULFILLING, S.FULFILLED]


async def test_a_watch_of_a_settled_order_reports_its_state_once(world: World) -> None:
    placed = await world.fulfilled_order()

    assert [s async for s in follow(world).watch(placed.order_page.token)] == [S.FULFILLED]


class CountingReader(MemoryOrderProgressReader):
    reads = 0

    async def progress(self, order_id: str) -> OrderProgress | None:
        self.reads += 1
        return await super().progress(order_id)


async def test_a_watch_is_bounded_and_repeats_an_unchanged_state_only_now_and_then(world: World) -> None:
    placed = await placed_order(world)
    reader = CountingReader(world.db)
    settings = FollowSettings(every_seconds=0, max_looks=7, repeat_every=3)
    watch = FollowOrder(world.order_pages, reader, world.clock, settings)

    assert [s async for s in watch.watch(placed.order_page.token)] == [
        S.AWAITING_PAYMENT
    ] * 3  # looks 0, 3, 6
    assert reader.reads == 7


async def test_a_watch_refuses_a_bad_link_before_any_read(world: World) -> None:
    with pytest.raises(InvalidOrderPageLink):
        follow(world).watch("forged.token")


# --- "Lost your email?" --------------------------------------------------------------------------


def order_links(world: World) -> list[str]:
    return [e.email for e in world.db.emails.values() if e.kind is DeliveryEmailKind.ORDER_LINK]


async def test_a_matching_lookup_owes_one_order_link_email_to_the_orders_address(world: World) -> None:
    placed = await placed_order(world)

    await lookup(world).execute(f"  {placed.order.id.upper()} ", " PLAYER@Example.com ")

    [email] = [e for e in world.db.emails.values() if e.kind is DeliveryEmailKind.ORDER_LINK]
    assert email.email == placed.order.email
    assert email.order_id == placed.order.id
    assert email.dedupe_key.startswith("lookup:")


async def test_a_wrong_address_or_an_unknown_order_owes_nothing_and_answers_the_same(world: World) -> None:
    placed = await placed_order(world)

    # Nothing is answered either way (`execute` returns None), and nothing raised.
    await lookup(world).execute(placed.order.id, "someone@example.com")
    await lookup(world).execute("0196a3c2-7b1e-7c3a-9f00-1234567890ab", placed.order.email)

    # Only the "order received" email of its placing: no order page link.
    assert [e.kind for e in world.db.emails.values()] == [DeliveryEmailKind.ORDER_RECEIVED]


async def test_a_lookup_that_is_not_an_order_id_or_an_address_is_bad_input(world: World) -> None:
    placed = await placed_order(world)

    for order_id, email in (("not-an-id", placed.order.email), (placed.order.id, "not an address"), ("", "")):
        with pytest.raises(InvalidValue):
            await lookup(world).execute(order_id, email)
    # Only the "order received" email of its placing: no order page link.
    assert [e.kind for e in world.db.emails.values()] == [DeliveryEmailKind.ORDER_RECEIVED]


async def test_lookups_are_limited_per_order_without_saying_so(world: World) -> None:
    placed = await placed_order(world)
    for _ in range(10):  # a stranger's guesses spend nothing of the owner's budget
        await lookup(world).execute(placed.order.id, "stranger@example.com")

    for _ in range(5):  # beyond the limit no email, and no error either: the answer stays the same
        await lookup(world).execute(placed.order.id, placed.order.email)

    assert len(order_links(world)) == 3  # OrderAction.EMAIL allows 3 a window in this world
