"""What the use cases count as it happens (docs/metrics.md), on the recording fake: webhook deliveries by
provider and outcome, fulfilment runs and the time from payment to keys, reveals by channel."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from bitloot.adapters.suppliers.kinguin.webhook import KinguinWebhook
from bitloot.application.errors import InvalidSignature, MalformedNotification, NotFound
from bitloot.application.use_cases.apply_kinguin_event import ApplyKinguinEvent
from bitloot.application.use_cases.create_product import CreateProduct, CreateProductRequest
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.receive_kinguin_webhook import ReceiveKinguinWebhook
from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, LinkCredential, RevealRequest
from bitloot.domain.audit import ClientInfo
from bitloot.domain.product import SupplierKind
from tests.support.actors import CLI
from tests.unit.conftest import World

CLIENT = ClientInfo("203.0.113.7", "pytest")


async def test_each_payment_webhook_delivery_is_counted_once_by_how_it_ended(world: World) -> None:
    placed = await world.order(await world.product(keys=["KEY-1"]))
    body, signature = world.ipn(placed.order)
    use_case = world.payment_use_case()

    await use_case.execute(body, signature)
    await use_case.execute(body, signature)
    with pytest.raises(InvalidSignature):
        await use_case.execute(body, "0" * 128)
    with pytest.raises(MalformedNotification):
        await use_case.execute(b"not json", signature)

    assert world.metrics.ipn == Counter(
        {
            ("nowpayments", "applied"): 1,
            ("nowpayments", "duplicate"): 1,
            ("nowpayments", "bad_signature"): 1,
            ("nowpayments", "malformed"): 1,
        }
    )


async def test_a_payment_for_no_order_of_ours_is_counted_as_unmatched(world: World) -> None:
    placed = await world.order(await world.product(keys=["KEY-1"]))
    body, signature = world.ipn(placed.order, order_id="not-an-order-of-ours")

    await world.payment_use_case().execute(body, signature)

    assert world.metrics.ipn == Counter({("nowpayments", "unmatched"): 1})


async def test_kinguin_deliveries_are_counted_under_their_own_provider(world: World) -> None:
    use_case = ReceiveKinguinWebhook(
        KinguinWebhook(b"kinguin-secret"),
        ApplyKinguinEvent(world.uow(), world.queue, world.clock),
        world.metrics,
    )

    await use_case.execute("order.complete", "kinguin-secret", b"{}")
    with pytest.raises(InvalidSignature):
        await use_case.execute("order.complete", "wrong", b"{}")

    assert world.metrics.ipn == Counter({("kinguin", "ignored"): 1, ("kinguin", "bad_signature"): 1})


async def test_fulfilment_runs_are_counted_by_outcome_and_timed_from_the_payment(world: World) -> None:
    placed = await world.order(await world.product(keys=["KEY-1"]))
    await world.pay(placed)
    world.clock.advance(timedelta(seconds=42))

    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.SKIPPED
    assert await world.fulfill_use_case().execute("no-such-order") is FulfillOutcome.NOT_FOUND

    assert world.metrics.jobs == Counter({"fulfilled": 1, "skipped": 1, "not_found": 1})
    assert world.metrics.fulfillment_seconds == [42.0]


async def test_a_failed_fulfilment_is_counted_and_not_timed(world: World) -> None:
    # A Kinguin product in a world that runs no Kinguin supplier: the order fails.
    product = await CreateProduct(world.uow(), world.clock).execute(
        CreateProductRequest("KG-1", "A Kinguin game", Decimal("9.99"), "EUR", SupplierKind.KINGUIN, "1"), CLI
    )
    placed = await world.order(product)
    await world.pay(placed)

    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FAILED

    assert world.metrics.jobs == Counter({"failed": 1})
    assert world.metrics.fulfillment_seconds == []


async def test_reveals_that_show_keys_are_counted_by_channel_and_refusals_are_not(world: World) -> None:
    placed = await world.fulfilled_order()
    reveal = world.reveal_use_case()
    issued = await world.link_use_case().execute(placed.order.id, placed.access_token)

    await reveal.execute(RevealRequest(AccessTokenCredential(placed.order.id, placed.access_token), CLIENT))
    await world.reveal_use_case().execute(RevealRequest(LinkCredential(issued.link.token), CLIENT))
    await world.reveal_use_case().execute(RevealRequest(LinkCredential(issued.link.token), CLIENT))
    with pytest.raises(NotFound):
        await world.reveal_use_case().execute(
            RevealRequest(AccessTokenCredential(placed.order.id, "wrong-token"), CLIENT)
        )

    assert world.metrics.reveals == Counter({"api": 1, "link": 2})
