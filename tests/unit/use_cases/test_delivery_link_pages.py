"""What the delivery link's pages ask of the use cases (docs/vault.md, "The delivery pages"): a reveal
allowed at one reveal count happens once; an expired link is told apart from a forged one; an
expired link asks for a fresh one to the order's own address."""

from datetime import timedelta

import pytest

from bitloot.application.errors import DeliveryLinkExpired, InvalidDeliveryLink, RevealAlreadyShown
from bitloot.application.use_cases.get_delivery_summary import GetDeliverySummary
from bitloot.application.use_cases.renew_delivery_link import RenewDeliveryLink
from bitloot.application.use_cases.request_delivery_link import LinkRequestOutcome, RequestDeliveryLink
from bitloot.application.use_cases.reveal_keys import LinkCredential, RevealRequest
from bitloot.domain.delivery_email import DeliveryEmailKind
from tests.unit.conftest import World
from tests.unit.use_cases.test_reveal_keys import CLIENT, events

KEYS = ["KEY-PAGE-1", "KEY-PAGE-2"]


async def link_token(world: World) -> tuple[str, str]:
    """A fulfilled order whose delivery email went out, and a link to it: (order id, token)."""
    placed = await world.fulfilled_order(keys=KEYS, quantity=2)
    await world.send_delivery_emails_use_case().execute()
    issued = await world.link_use_case().execute(placed.order.id, placed.access_token)
    return placed.order.id, issued.link.token


def at_count(token: str, count: int) -> RevealRequest:
    return RevealRequest(LinkCredential(token), CLIENT, expected_reveal_count=count)


async def test_a_reveal_allowed_at_a_count_happens_once(world: World) -> None:
    order_id, token = await link_token(world)

    first = await world.reveal_use_case().execute(at_count(token, 0))
    with pytest.raises(RevealAlreadyShown):
        await world.reveal_use_case().execute(at_count(token, 0))

    assert sorted(k.key.secret.decode() for k in first.keys) == KEYS
    assert first.reveal_count == 1
    assert world.db.orders[order_id].reveal_count == 1
    assert len(events(world, order_id)) == len(KEYS)
    # The next press is allowed at the count the first one left.
    again = await world.reveal_use_case().execute(at_count(token, 1))
    assert again.reveal_count == 2


async def test_an_expired_link_is_told_apart_from_a_forged_one(world: World) -> None:
    order_id, token = await link_token(world)
    summaries = GetDeliverySummary(world.uow(), world.links, world.clock)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert (await summaries.execute(token)).order.id == order_id
    with pytest.raises(InvalidDeliveryLink) as refused:
        await summaries.execute(forged)
    assert not isinstance(refused.value, DeliveryLinkExpired)
    world.clock.advance(timedelta(minutes=15))
    with pytest.raises(DeliveryLinkExpired):
        await summaries.execute(token)


async def test_an_expired_link_asks_for_a_fresh_one_to_the_orders_own_address(world: World) -> None:
    order_id, token = await link_token(world)
    renew = RenewDeliveryLink(world.links, RequestDeliveryLink(world.uow(), world.clock, world.order_limits))
    world.clock.advance(timedelta(days=2))

    with pytest.raises(InvalidDeliveryLink):
        await renew.execute(token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert await renew.execute(token) is LinkRequestOutcome.STAGED

    requested = [e for e in world.db.emails.values() if e.kind is DeliveryEmailKind.LINK_REQUESTED]
    assert [(e.order_id, e.email) for e in requested] == [(order_id, world.db.orders[order_id].email)]
