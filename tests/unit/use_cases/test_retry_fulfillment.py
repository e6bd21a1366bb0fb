"""The operator's retry: refused with the reason when it would fail again, audited when queued."""

from decimal import Decimal

import pytest

from bitloot.application.errors import Conflict
from bitloot.application.use_cases.create_product import CreateProduct, CreateProductRequest
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.place_order import OrderLine, PlaceOrderRequest
from bitloot.domain.operator_audit import ActionKind, Actor, OperatorAction, TargetKind
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import SupplierKind
from tests.unit.conftest import World

ACTOR = Actor.api_token("203.0.113.7")


def retries(world: World) -> list[OperatorAction]:
    return [a for a in world.db.operator_actions if a.kind is ActionKind.FULFILLMENT_RETRIED]


async def failed_order(world: World, quantity: int = 2) -> str:
    product = await world.product("GAME-1", keys=["G-1", "G-2", "G-3"])
    rival = await world.order(product, quantity=2)
    placed = await world.order(product, quantity=quantity)
    await world.pay(rival)
    await world.pay(placed)
    assert await world.fulfill_use_case().execute(rival.order.id) is FulfillOutcome.FULFILLED
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FAILED
    return placed.order.id


async def test_a_retry_without_enough_stock_says_what_is_missing(world: World) -> None:
    order_id = await failed_order(world)
    queued = len(world.queue.enqueued)

    with pytest.raises(Conflict, match=r"^2 keys of GAME-1 needed, 1 in stock: import keys first\.$"):
        await world.retry_use_case().execute(order_id, ACTOR)

    assert world.queue.enqueued[queued:] == []
    assert retries(world) == []
    assert world.db.orders[order_id].status is OrderStatus.FAILED


async def test_a_retry_with_enough_stock_is_queued_and_audited(world: World) -> None:
    order_id = await failed_order(world)
    await world.import_stock().execute(world.db.orders[order_id].items[0].product_id, ["G-4"], ACTOR)

    await world.retry_use_case().execute(order_id, ACTOR)

    assert world.queue.enqueued[-1] == order_id
    [action] = retries(world)
    assert (action.kind, action.target_kind, action.target_id) == (
        ActionKind.FULFILLMENT_RETRIED,
        TargetKind.ORDER,
        order_id,
    )
    assert (action.actor, action.detail, action.at) == (
        ACTOR,
        "retried from failed: 2 unit(s) to deliver",
        world.clock.now(),
    )
    assert await world.fulfill_use_case().execute(order_id) is FulfillOutcome.FULFILLED


async def test_a_retry_of_a_product_whose_supplier_is_not_configured_is_refused(world: World) -> None:
    # This world runs no Kinguin supplier (`world.kinguin` is None).
    product = await CreateProduct(world.uow(), world.clock).execute(
        CreateProductRequest("KIN-1", "A Kinguin game", Decimal("9.99"), "EUR", SupplierKind.KINGUIN, "123"),
        ACTOR,
    )
    placed = await world.place_order_use_case().execute(
        PlaceOrderRequest("player@example.com", [OrderLine(product.id, 1)])
    )
    await world.pay(placed)
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FAILED

    with pytest.raises(Conflict, match=r"^KIN-1 comes from kinguin, and no kinguin supplier is configured"):
        await world.retry_use_case().execute(placed.order.id, ACTOR)
    assert retries(world) == []


async def test_only_a_failed_or_held_order_is_retried(world: World) -> None:
    placed = await world.fulfilled_order()
    with pytest.raises(Conflict, match="this one is fulfilled"):
        await world.retry_use_case().execute(placed.order.id, ACTOR)
