"""ReceiveKinguinWebhook and ApplyKinguinEvent (docs/suppliers.md webhooks): the shared secret, unordered
events resolved by `updatedAt`, a completed Kinguin order moving its fulfilment on, and availability from
`product.update`."""

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bitloot.adapters.suppliers.kinguin.orders import KinguinClient, OrderLine
from bitloot.adapters.suppliers.kinguin.webhook import KinguinWebhook
from bitloot.application.errors import InvalidSignature, MalformedNotification
from bitloot.application.use_cases.apply_kinguin_event import (
    APPLIED,
    IGNORED,
    STALE,
    UNMATCHED,
    ApplyKinguinEvent,
    KinguinEventResult,
)
from bitloot.application.use_cases.create_product import CreateProduct, CreateProductRequest
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.place_order import PlacedOrder
from bitloot.application.use_cases.receive_kinguin_webhook import ReceiveKinguinWebhook
from bitloot.application.use_cases.replay_webhook import KinguinWebhookReplayer
from bitloot.domain.operator_audit import Actor
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import Product, SupplierKind
from bitloot.domain.webhook import WebhookDelivery
from tests.providers.kinguin_server import FakeKey, KinguinServer, running_kinguin
from tests.support.actors import CLI
from tests.unit.adapters.test_kinguin_supplier import KINGUIN_ID, settings_for, stock
from tests.unit.conftest import World

SECRET = "kinguin-webhook-secret"
T1 = datetime(2026, 1, 1, 12, 5, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[KinguinServer]:
    with running_kinguin(stock={KINGUIN_ID: stock(10)}) as fake:
        yield fake


@pytest.fixture
async def kinguin(world: World, server: KinguinServer) -> AsyncIterator[World]:
    client = KinguinClient(settings_for(server))
    world.kinguin = client
    yield world
    await client.aclose()


def handler(world: World) -> ReceiveKinguinWebhook:
    return ReceiveKinguinWebhook(KinguinWebhook(SECRET.encode()), apply_events(world), world.metrics)


def apply_events(world: World) -> ApplyKinguinEvent:
    return ApplyKinguinEvent(world.uow(), world.queue, world.clock)


def order_status(item_id: str, kinguin_order_id: str, status: str, at: datetime) -> bytes:
    return json.dumps(
        {
            "orderId": kinguin_order_id,
            "orderExternalId": item_id,
            "status": status,
            "updatedAt": at.isoformat(),
        }
    ).encode()


def product_update(kinguin_id: str, qty: int, at: datetime) -> bytes:
    body: dict[str, Any] = {
        "kinguinId": int(kinguin_id),
        "productId": "5c9b5f6b2539a4e8f172916a",
        "qty": qty,
        "textQty": qty,
        "updatedAt": at.isoformat(),
    }
    return json.dumps(body).encode()


async def send(world: World, name: str, body: bytes, secret: str | None = SECRET) -> KinguinEventResult:
    return await handler(world).execute(name, secret, body)


async def kinguin_product(world: World, sku: str = "KG-1", kinguin_id: str = KINGUIN_ID) -> Product:
    return await CreateProduct(world.uow(), world.clock).execute(
        CreateProductRequest(sku, "A Kinguin game", Decimal("9.99"), "EUR", SupplierKind.KINGUIN, kinguin_id),
        CLI,
    )


async def pending_order(world: World, server: KinguinServer) -> tuple[PlacedOrder, str]:
    """A paid order of 2 whose Kinguin order is placed and whose keys are pending."""
    server.keys_pending_polls = 100
    placed = await world.order(await kinguin_product(world), 2)
    await world.pay(placed)
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.RETRY_LATER
    [kinguin_order] = server.orders_for(placed.order.items[0].id)
    return placed, kinguin_order.order_id


def kinguin_deliveries(world: World) -> list[WebhookDelivery]:
    return [d for d in world.db.webhooks.values() if d.provider == "kinguin"]


def availability(world: World, product: Product) -> int:
    return world.db.products[product.id].available


async def test_a_wrong_or_missing_secret_writes_nothing(kinguin: World, server: KinguinServer) -> None:
    placed, kinguin_order_id = await pending_order(kinguin, server)
    item_id = placed.order.items[0].id
    before = await kinguin.uow().kinguin_orders.get(item_id)
    product = await kinguin_product(kinguin, "KG-2")
    enqueued = list(kinguin.queue.enqueued)

    for secret in ("wrong-secret", "", None, SECRET + " "):
        with pytest.raises(InvalidSignature):
            await send(
                kinguin, "order.status", order_status(item_id, kinguin_order_id, "completed", T1), secret
            )
        with pytest.raises(InvalidSignature):
            await send(kinguin, "product.update", product_update(KINGUIN_ID, 50, T1), secret)

    assert await kinguin.uow().kinguin_orders.get(item_id) == before
    assert availability(kinguin, product) == 0
    assert kinguin_deliveries(kinguin) == []
    assert kinguin.queue.enqueued == enqueued


async def test_without_a_configured_secret_every_delivery_is_refused(world: World) -> None:
    unconfigured = ReceiveKinguinWebhook(KinguinWebhook(None), apply_events(world), world.metrics)
    with pytest.raises(InvalidSignature):
        await unconfigured.execute("product.update", "", product_update(KINGUIN_ID, 5, T1))
    assert kinguin_deliveries(world) == []


async def test_a_completed_order_moves_its_fulfillment_on_at_once(
    kinguin: World, server: KinguinServer
) -> None:
    placed, kinguin_order_id = await pending_order(kinguin, server)
    item_id = placed.order.items[0].id
    server.complete(kinguin_order_id)
    kinguin.queue.enqueued.clear()

    result = await send(kinguin, "order.status", order_status(item_id, kinguin_order_id, "completed", T1))

    assert result.outcome == APPLIED
    assert result.fulfillment_requested
    assert kinguin.queue.enqueued == [placed.order.id]
    recorded = await kinguin.uow().kinguin_orders.get(item_id)
    assert recorded is not None
    assert (recorded.status, recorded.updated_at) == ("completed", T1)
    # The job the webhook queued finds the lease free and the keys there.
    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    [delivery] = kinguin_deliveries(kinguin)
    assert (delivery.provider, delivery.event, delivery.outcome) == ("kinguin", "order.status", APPLIED)
    assert delivery.signature is None
    assert delivery.signature_valid
    assert delivery.order_id == placed.order.id


async def test_an_older_status_never_replaces_a_newer_one(kinguin: World, server: KinguinServer) -> None:
    placed, kinguin_order_id = await pending_order(kinguin, server)
    item_id = placed.order.items[0].id
    newer = await send(kinguin, "order.status", order_status(item_id, kinguin_order_id, "processing", T1))
    assert newer.outcome == APPLIED
    assert not newer.fulfillment_requested
    kinguin.queue.enqueued.clear()

    older = await send(
        kinguin,
        "order.status",
        order_status(item_id, kinguin_order_id, "completed", T1 - timedelta(seconds=1)),
    )
    same = await send(kinguin, "order.status", order_status(item_id, kinguin_order_id, "completed", T1))

    assert (older.outcome, same.outcome) == (STALE, STALE)
    assert kinguin.queue.enqueued == []
    recorded = await kinguin.uow().kinguin_orders.get(item_id)
    assert recorded is not None
    assert (recorded.status, recorded.updated_at) == ("processing", T1)
    assert sorted(d.outcome for d in kinguin_deliveries(kinguin)) == [APPLIED, STALE, STALE]


async def test_a_status_for_an_order_not_yet_recorded_records_it(
    kinguin: World, server: KinguinServer
) -> None:
    """The worker died after Kinguin took the order and before recording it; the webhook came first."""
    placed = await kinguin.order(await kinguin_product(kinguin), 2)
    await kinguin.pay(placed)
    item_id = placed.order.items[0].id
    server.stock[KINGUIN_ID] = [FakeKey("K-1"), FakeKey("K-2")]
    # The worker that died placed it.
    client = KinguinClient(settings_for(server))
    await client.place_order(item_id, [OrderLine(KINGUIN_ID, 2, Decimal("9.99"))])
    await client.aclose()
    [kinguin_order] = server.orders_for(item_id)
    server.complete(kinguin_order.order_id)

    result = await send(
        kinguin, "order.status", order_status(item_id, kinguin_order.order_id, "completed", T1)
    )

    assert result.outcome == APPLIED
    assert kinguin.queue.enqueued[-1] == placed.order.id
    requests_before = len(server.requests)
    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    # Found in our records: neither looked up at Kinguin again nor placed again.
    assert {r.path for r in server.requests[requests_before:]} == {f"/v2/order/{kinguin_order.order_id}/keys"}
    assert len(server.seen("POST")) == 1


async def test_a_status_for_an_unknown_item_is_kept_as_unmatched(kinguin: World) -> None:
    result = await send(kinguin, "order.status", order_status("no-such-item", "KG999", "completed", T1))

    assert result.outcome == UNMATCHED
    assert kinguin.queue.enqueued == []
    [delivery] = kinguin_deliveries(kinguin)
    assert (delivery.outcome, delivery.order_id) == (UNMATCHED, None)


async def test_a_completed_order_of_a_failed_or_fulfilled_order_requests_nothing(
    kinguin: World, server: KinguinServer
) -> None:
    placed, kinguin_order_id = await pending_order(kinguin, server)
    server.complete(kinguin_order_id)
    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    kinguin.queue.enqueued.clear()

    result = await send(
        kinguin, "order.status", order_status(placed.order.items[0].id, kinguin_order_id, "completed", T1)
    )

    assert result.outcome == APPLIED
    assert not result.fulfillment_requested
    assert kinguin.queue.enqueued == []
    assert kinguin.db.orders[placed.order.id].status is OrderStatus.FULFILLED


async def test_product_updates_set_availability_newest_first(world: World) -> None:
    game = await kinguin_product(world, "KG-1", "1949")
    same_kinguin_product = await kinguin_product(world, "KG-1-BUNDLE", "1949")
    other = await kinguin_product(world, "KG-2", "2000")

    assert (await send(world, "product.update", product_update("1949", 845, T1))).outcome == APPLIED
    older = await send(world, "product.update", product_update("1949", 3, T1 - timedelta(minutes=1)))
    assert older.outcome == STALE

    assert availability(world, game) == 845
    assert availability(world, same_kinguin_product) == 845
    assert availability(world, other) == 0
    listed = {p.id: p.available for p in await world.uow().products.list()}
    assert listed[game.id] == 845

    assert (
        await send(world, "product.update", product_update("1949", 0, T1 + timedelta(seconds=1)))
    ).outcome == APPLIED
    assert availability(world, game) == 0


async def test_a_malformed_body_is_refused_and_nothing_written(world: World) -> None:
    for name, body in (
        ("order.status", b"not json"),
        ("order.status", b"[]"),
        ("order.status", json.dumps({"orderId": "KG1", "status": "completed"}).encode()),
        ("product.update", json.dumps({"kinguinId": 1, "qty": "many", "updatedAt": T1.isoformat()}).encode()),
        ("product.update", json.dumps({"kinguinId": 1, "qty": 4, "updatedAt": "yesterday"}).encode()),
    ):
        with pytest.raises(MalformedNotification):
            await send(world, name, body)
    assert kinguin_deliveries(world) == []


async def test_other_events_are_kept_and_ignored(world: World) -> None:
    result = await send(world, "order.complete", b"{}")
    assert result.outcome == IGNORED
    [delivery] = kinguin_deliveries(world)
    assert delivery.event == "order.complete"


async def test_a_stored_delivery_replays_through_the_same_rules(world: World) -> None:
    game = await kinguin_product(world)
    first = await send(world, "product.update", product_update(KINGUIN_ID, 7, T1))
    assert first.delivery is not None

    replayer = KinguinWebhookReplayer(KinguinWebhook(SECRET.encode()), apply_events(world))
    replayed = await replayer.replay(first.delivery, Actor.command_line())

    assert replayed.replayed_from == first.delivery.id
    assert replayed.outcome == STALE
    assert availability(world, game) == 7
