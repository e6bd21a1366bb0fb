"""The use cases behind the order page's actions refuse exactly the states the shared rule refuses
(domain/order_actions.py): what the console hides, a stale page's post is refused with the state
named, and nothing is written; in a state the rule allows, the state is never the reason."""

from collections.abc import Awaitable, Callable

import pytest

from bitloot.adapters.suppliers.own_stock import OwnStockSupplier
from bitloot.application.errors import Conflict
from bitloot.application.use_cases.mark_refunded import MarkRefunded
from bitloot.application.use_cases.replace_key import ReplaceKey, ReplaceKeyRequest
from bitloot.application.use_cases.resend_delivery_email import ResendDeliveryEmail
from bitloot.domain.operator_audit import Actor, TargetKind
from bitloot.domain.order_actions import OrderAction, applies
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import SupplierKind
from tests.unit.conftest import World

ACTOR = Actor.api_token("198.51.100.4")
Run = Callable[[World, str, str], Awaitable[None]]


async def _retry(world: World, order_id: str, _key_id: str) -> None:
    await world.retry_use_case().execute(order_id, ACTOR)


async def _resend(world: World, order_id: str, _key_id: str) -> None:
    await ResendDeliveryEmail(world.uow(), world.clock).execute(order_id, ACTOR)


async def _replace(world: World, order_id: str, key_id: str) -> None:
    uow = world.uow()
    suppliers = {SupplierKind.STOCK: OwnStockSupplier(uow, world.vault, world.store)}
    use_case = ReplaceKey(uow, suppliers, world.vault, world.store, world.clock)
    await use_case.execute(ReplaceKeyRequest(ACTOR, "used", order_id=order_id, key_id=key_id))


async def _refund(world: World, order_id: str, _key_id: str) -> None:
    await MarkRefunded(world.uow(), world.clock).execute(order_id, "chargeback", ACTOR)


RUNS: dict[OrderAction, Run] = {
    OrderAction.RETRY_FULFILLMENT: _retry,
    OrderAction.RESEND_EMAIL: _resend,
    OrderAction.REPLACE_KEY: _replace,
    OrderAction.MARK_REFUNDED: _refund,
}


@pytest.mark.parametrize("status", list(OrderStatus))
@pytest.mark.parametrize("action", list(OrderAction))
async def test_a_use_case_refuses_the_states_the_rule_refuses(
    world: World, action: OrderAction, status: OrderStatus
) -> None:
    placed = await world.fulfilled_order(keys=("KEY-1", "KEY-2"))
    [key] = world.db.keys.values()
    world.db.orders[placed.order.id].status = status  # as if it had got there
    before = [a for a in world.db.operator_actions if a.target_kind is TargetKind.ORDER]

    try:
        await RUNS[action](world, placed.order.id, key.id)
    except Conflict as exc:
        refused_for_the_state = f"is {status}" in str(exc)
    else:
        refused_for_the_state = False

    assert refused_for_the_state is not applies(action, status), (action, status)
    if not applies(action, status):
        after = [a for a in world.db.operator_actions if a.target_kind is TargetKind.ORDER]
        assert after == before, "a refusal writes nothing"
        assert world.db.orders[placed.order.id].status is status
