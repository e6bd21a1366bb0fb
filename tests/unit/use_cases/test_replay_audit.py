"""An operator's webhook replay is audited in the replay's own transaction: who, which delivery,
what it came to; a delivery from the provider, or a refused replay, records no operator action."""

import copy
from datetime import timedelta

import pytest

from bitloot.adapters.payments.nowpayments.webhook import NowPaymentsWebhook
from bitloot.adapters.suppliers.kinguin.webhook import KinguinWebhook
from bitloot.application.errors import Conflict
from bitloot.application.use_cases.replay_webhook import (
    KinguinWebhookReplayer,
    PaymentWebhookReplayer,
    ReplayWebhook,
)
from bitloot.domain.operator_audit import ActionKind, Actor, OperatorAction, TargetKind
from tests.unit.adapters.test_kinguin_supplier import KINGUIN_ID
from tests.unit.conftest import World
from tests.unit.use_cases.test_kinguin_events import (
    SECRET,
    T1,
    apply_events,
    kinguin_product,
    product_update,
    send,
)
from tests.unit.use_cases.test_receive_payment_webhook import paid_ready_order

ACTOR = Actor.api_token("203.0.113.7")


def replays(world: World) -> list[OperatorAction]:
    """The replay records (creating a product and importing its keys are audited too)."""
    return [a for a in world.db.operator_actions if a.kind is ActionKind.WEBHOOK_REPLAYED]


def replay_use_case(world: World) -> ReplayWebhook:
    payments = PaymentWebhookReplayer(world.webhook, world.apply_payment_use_case())
    kinguin = KinguinWebhookReplayer(KinguinWebhook(SECRET.encode()), apply_events(world))
    return ReplayWebhook(world.uow(), {"nowpayments": payments, "kinguin": kinguin})


async def test_a_replayed_ipn_is_audited_with_the_replayed_delivery_as_target(world: World) -> None:
    _, placed = await paid_ready_order(world)
    await world.pay(placed)
    [original] = world.db.webhooks.values()
    assert replays(world) == []
    world.clock.advance(timedelta(minutes=3))

    replayed = await replay_use_case(world).execute(original.id, ACTOR)

    [action] = replays(world)
    assert (action.kind, action.target_kind, action.target_id) == (
        ActionKind.WEBHOOK_REPLAYED,
        TargetKind.WEBHOOK,
        original.id,
    )
    assert (action.actor, action.at) == (ACTOR, world.clock.now())
    assert action.detail == f"replayed as {replayed.id}: duplicate"
    assert original.signature is not None
    assert original.signature not in action.detail


async def test_a_replayed_kinguin_event_is_audited_too(world: World) -> None:
    await kinguin_product(world)
    first = await send(world, "product.update", product_update(KINGUIN_ID, 7, T1))
    assert first.delivery is not None
    assert replays(world) == []

    replayed = await replay_use_case(world).execute(first.delivery.id, Actor.command_line())

    [action] = replays(world)
    assert (action.kind, action.target_id, action.actor) == (
        ActionKind.WEBHOOK_REPLAYED,
        first.delivery.id,
        Actor.command_line(),
    )
    assert action.detail == f"replayed as {replayed.id}: stale"


async def test_a_refused_replay_records_no_action(world: World) -> None:
    _, placed = await paid_ready_order(world)
    await world.pay(placed)
    [original] = world.db.webhooks.values()
    before = copy.deepcopy(world.db)
    rotated = PaymentWebhookReplayer(NowPaymentsWebhook(b"the-new-secret"), world.apply_payment_use_case())

    with pytest.raises(Conflict, match="no longer verifies"):
        await ReplayWebhook(world.uow(), {"nowpayments": rotated}).execute(original.id, ACTOR)

    assert replays(world) == []
    assert world.db == before
