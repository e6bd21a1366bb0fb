"""The customer's own "email me a fresh delivery link": only to the order's address, only for a
fulfilled order, never two waiting at once, and limited per order."""

import pytest

from bitloot.application.errors import TooManyRequests
from bitloot.application.use_cases.mark_refunded import MarkRefunded
from bitloot.application.use_cases.request_delivery_link import LinkRequestOutcome, RequestDeliveryLink
from bitloot.domain.delivery_email import DeliveryEmailKind
from bitloot.domain.errors import NotFulfilledYet, RevealsBlocked
from tests.support.actors import CLI
from tests.unit.conftest import BASE_URL, World


def request(world: World) -> RequestDeliveryLink:
    return RequestDeliveryLink(world.uow(), world.clock, world.order_limits)


async def test_a_fulfilled_order_gets_a_fresh_link_sent_to_its_own_address(world: World) -> None:
    placed = await world.fulfilled_order()
    await world.send_delivery_emails_use_case().execute()

    assert await request(world).execute(placed.order.id) is LinkRequestOutcome.STAGED
    await world.send_delivery_emails_use_case().execute()

    sent = world.email_sender.sent
    # The first round sent the two emails owed at once (in either order), the second the fresh link.
    assert {e.kind for e in sent[:2]} == {DeliveryEmailKind.ORDER_RECEIVED, DeliveryEmailKind.ORDER_FULFILLED}
    assert sent[2].kind is DeliveryEmailKind.LINK_REQUESTED
    assert sent[2].email == placed.order.email
    assert sent[2].link.url.startswith(f"{BASE_URL}/d/")


async def test_a_request_while_a_link_is_waiting_stages_no_second_email(world: World) -> None:
    placed = await world.fulfilled_order()  # the delivery email itself is still pending

    assert await request(world).execute(placed.order.id) is LinkRequestOutcome.ALREADY_WAITING
    assert [e.kind for e in world.db.emails.values()] == [
        DeliveryEmailKind.ORDER_RECEIVED,
        DeliveryEmailKind.ORDER_FULFILLED,
    ]


async def test_only_a_fulfilled_order_gets_a_link_and_an_unknown_order_answers_the_same(world: World) -> None:
    placed = await world.order(await world.product(keys=["KEY-1"]))

    with pytest.raises(NotFulfilledYet, match="not fulfilled yet"):
        await request(world).execute(placed.order.id)
    with pytest.raises(NotFulfilledYet, match="not fulfilled yet"):
        await request(world).execute("0196a3c2-7b1e-7c3a-9f00-1234567890ab")
    # Only the "order received" email of its placing.
    assert [e.kind for e in world.db.emails.values()] == [DeliveryEmailKind.ORDER_RECEIVED]


async def test_a_refunded_order_never_gets_a_link(world: World) -> None:
    placed = await world.fulfilled_order()
    await world.send_delivery_emails_use_case().execute()
    await MarkRefunded(world.uow(), world.clock).execute(placed.order.id, "chargeback", CLI)

    with pytest.raises(RevealsBlocked):
        await request(world).execute(placed.order.id)
    assert [e.kind for e in world.db.emails.values()] == [
        DeliveryEmailKind.ORDER_RECEIVED,
        DeliveryEmailKind.ORDER_FULFILLED,
    ]


async def test_requests_are_limited_per_order(world: World) -> None:
    placed = await world.fulfilled_order()
    for _ in range(3):
        await request(world).execute(placed.order.id)

    with pytest.raises(TooManyRequests):
        await request(world).execute(placed.order.id)
