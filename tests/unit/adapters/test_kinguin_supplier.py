"""The Kinguin supplier (docs/suppliers.md) against a fake Kinguin server: one Kinguin order per order item,
also across crashes; pending keys; text and image keys; Kinguin's limits; outages and refusals."""

import base64
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from bitloot.adapters.suppliers.kinguin.orders import KinguinClient, OrderLine
from bitloot.adapters.suppliers.kinguin.payload import RemoteOrder
from bitloot.adapters.suppliers.kinguin.settings import KinguinSettings
from bitloot.adapters.suppliers.kinguin.supplier import KinguinSupplier
from bitloot.application.errors import KeysNotReady, SupplierUnavailable
from bitloot.application.ports.suppliers import SupplyRequest
from bitloot.application.use_cases.create_product import CreateProduct, CreateProductRequest
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.place_order import PlacedOrder
from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, RevealRequest
from bitloot.domain.audit import ClientInfo
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import Product, SupplierKind
from tests.providers.kinguin_server import API_KEY, FakeKey, KinguinServer, running_kinguin
from tests.support.actors import CLI
from tests.unit.conftest import World

KINGUIN_ID = "1949"
TEXT_KEY = "KGN-TEXT-0001-ABCD"
IMAGE_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
IMAGE_SERIAL = base64.b64encode(IMAGE_BYTES).decode("ascii")
CLIENT = ClientInfo("203.0.113.7", "pytest")


def stock(count: int = 2) -> list[FakeKey]:
    """One text and one image key first, then text keys."""
    keys = [FakeKey(TEXT_KEY), FakeKey(IMAGE_SERIAL, "image/png")]
    keys += [FakeKey(f"KGN-MORE-{n:04d}") for n in range(max(count - 2, 0))]
    return keys[:count]


@pytest.fixture
def server() -> Iterator[KinguinServer]:
    with running_kinguin(stock={KINGUIN_ID: stock(40)}) as fake:
        yield fake


def settings_for(server: KinguinServer) -> KinguinSettings:
    return KinguinSettings(
        api_key=API_KEY,
        base_url=server.base_url,
        connect_timeout=1.0,
        read_timeout=0.5,
        retry_backoff=0.0,
        keys_page_size=5,
    )


@pytest.fixture
async def kinguin(world: World, server: KinguinServer) -> AsyncIterator[World]:
    """The world with a Kinguin supplier talking to the fake server."""
    client = KinguinClient(settings_for(server))
    world.kinguin = client
    yield world
    await client.aclose()


async def kinguin_product(world: World, kinguin_id: str = KINGUIN_ID) -> Product:
    return await CreateProduct(world.uow(), world.clock).execute(
        CreateProductRequest(
            f"KG-{kinguin_id}", "A Kinguin game", Decimal("9.99"), "EUR", SupplierKind.KINGUIN, kinguin_id
        ),
        CLI,
    )


async def paid_order(world: World, quantity: int) -> PlacedOrder:
    placed = await world.order(await kinguin_product(world), quantity)
    await world.pay(placed)
    return placed


def status_of(world: World, placed: PlacedOrder) -> OrderStatus:
    return world.db.orders[placed.order.id].status


class Killed(BaseException):
    """The worker process dies here (nothing below it handles a BaseException)."""


class DiesAfterPlacing(KinguinClient):
    """A client whose worker is killed right after Kinguin took the order, before it is recorded."""

    async def place_order(self, external_id: str, lines: list[OrderLine]) -> RemoteOrder:
        await super().place_order(external_id, lines)
        raise Killed


async def test_keys_arriving_on_the_third_poll_fulfill_the_order_with_one_kinguin_order(
    kinguin: World, server: KinguinServer
) -> None:
    """Acceptance: quantity 2; the keys (one text, one image) are there on the third poll."""
    server.keys_pending_polls = 2
    placed = await paid_order(kinguin, quantity=2)
    [item] = placed.order.items

    outcomes = [await kinguin.fulfill_use_case().execute(placed.order.id) for _ in range(3)]

    # Pending keys give the lease back: each retry goes ahead at once, without waiting for it to expire.
    assert outcomes == [FulfillOutcome.RETRY_LATER, FulfillOutcome.RETRY_LATER, FulfillOutcome.FULFILLED]
    assert status_of(kinguin, placed) is OrderStatus.FULFILLED
    revealed = await kinguin.reveal_use_case().execute(
        RevealRequest(AccessTokenCredential(placed.order.id, placed.access_token), CLIENT)
    )
    by_type = {key.key.content_type: key.key.secret for key in revealed.keys}
    assert by_type == {"text/plain": TEXT_KEY.encode(), "image/png": IMAGE_BYTES}
    assert len(server.orders_for(item.id)) == 1
    [post] = server.seen("POST", "/v1/order")
    assert post.body == {
        "products": [{"kinguinId": 1949, "qty": 2, "price": 9.99, "keyType": "text"}],
        "orderExternalId": item.id,
    }
    # Each attempt looked in our records first; only the first had to ask Kinguin for the order.
    assert len(server.seen("GET", "/v1/order")) == 1 + 2  # the search, then the status of pending keys
    assert all(request.api_key == API_KEY for request in server.requests)


async def test_a_worker_killed_between_placing_and_recording_never_places_a_second_order(
    world: World, server: KinguinServer
) -> None:
    server.keys_pending_polls = 2
    placed = await paid_order(world, quantity=2)
    [item] = placed.order.items
    dying = DiesAfterPlacing(settings_for(server))
    world.kinguin = dying
    with pytest.raises(Killed):
        await world.fulfill_use_case(worker="dies").execute(placed.order.id)
    await dying.aclose()
    assert await world.uow().kinguin_orders.get(item.id) is None
    assert len(server.orders_for(item.id)) == 1

    # Another worker, once the dead one's lease expired: it finds the order at Kinguin and records it.
    client = KinguinClient(settings_for(server))
    world.kinguin = client
    world.clock.advance(timedelta(minutes=3))
    outcomes = [await world.fulfill_use_case(worker="next").execute(placed.order.id) for _ in range(3)]
    await client.aclose()

    assert outcomes[-1] is FulfillOutcome.FULFILLED
    assert len(server.seen("POST", "/v1/order")) == 1
    assert len(server.orders_for(item.id)) == 1
    recorded = await world.uow().kinguin_orders.get(item.id)
    assert recorded is not None
    assert recorded.kinguin_order_id == server.orders_for(item.id)[0].order_id
    assert len([k for k in world.db.keys.values() if k.item_id == item.id]) == 2


async def test_an_order_whose_answer_was_lost_is_found_again_not_placed_again(
    kinguin: World, server: KinguinServer
) -> None:
    """Kinguin created the order, then the connection dropped before its answer arrived."""
    placed = await paid_order(kinguin, quantity=2)
    [item] = placed.order.items
    server.drop_response("POST", "/v1/order")

    first = await kinguin.fulfill_use_case().execute(placed.order.id)
    assert first is FulfillOutcome.RETRY_LATER
    assert status_of(kinguin, placed) is OrderStatus.FULFILLING
    # An outage (not pending keys) keeps the lease: the next run waits for it to expire.
    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.SKIPPED
    kinguin.clock.advance(timedelta(minutes=3))

    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    assert len(server.seen("POST", "/v1/order")) == 1
    assert len(server.orders_for(item.id)) == 1


async def test_more_than_nine_units_are_split_into_lines_of_at_most_nine(
    kinguin: World, server: KinguinServer
) -> None:
    placed = await paid_order(kinguin, quantity=20)

    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED

    [post] = server.seen("POST", "/v1/order")
    assert [line["qty"] for line in post.body["products"]] == [9, 9, 2]
    keys = [k for k in kinguin.db.keys.values() if k.order_id == placed.order.id]
    assert len({k.source_key_id for k in keys}) == 20
    # Five keys a page: every page was read, and the short last one ended it.
    pages = [int(r.query["page"]) for r in server.seen("GET", "/v2/order")]
    assert pages == [1, 2, 3, 4, 5]


async def test_asking_again_for_an_item_gives_the_same_keys(kinguin: World, server: KinguinServer) -> None:
    placed = await paid_order(kinguin, quantity=2)
    [item] = placed.order.items
    product = await kinguin_product_of(kinguin, placed)
    assert kinguin.kinguin is not None
    supplier = KinguinSupplier(kinguin.uow(), kinguin.kinguin)
    request = SupplyRequest(placed.order.id, item.id, product, 2)

    first = await supplier.obtain(request)
    second = await supplier.obtain(request)

    assert [k.key_id for k in first] == [k.key_id for k in second]
    assert len({k.key_id for k in first}) == 2
    assert [k.material.content_type for k in first] == [k.material.content_type for k in second]
    assert len(server.seen("POST", "/v1/order")) == 1


async def kinguin_product_of(world: World, placed: PlacedOrder) -> Product:
    product = await world.uow().products.get(placed.order.items[0].product_id)
    assert product is not None
    return product


async def test_a_5xx_on_a_read_is_retried_a_few_times(kinguin: World, server: KinguinServer) -> None:
    placed = await paid_order(kinguin, quantity=1)
    server.fail("GET", "/v1/order", status=502, times=2)
    server.fail("GET", "/v2/order", status=503, times=2)

    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    assert len(server.seen("GET", "/v1/order")) == 3
    assert len(server.seen("GET", "/v2/order")) == 3


async def test_a_lasting_5xx_is_an_outage_to_retry_later(kinguin: World, server: KinguinServer) -> None:
    placed = await paid_order(kinguin, quantity=1)
    server.fail("GET", "/v1/order", status=503, times=3)

    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.RETRY_LATER
    assert len(server.seen("GET", "/v1/order")) == 3
    assert server.seen("POST") == []


async def test_a_5xx_on_placing_is_not_retried_and_the_next_attempt_looks_first(
    kinguin: World, server: KinguinServer
) -> None:
    placed = await paid_order(kinguin, quantity=1)
    [item] = placed.order.items
    server.fail("POST", "/v1/order", status=500)

    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.RETRY_LATER
    assert len(server.seen("POST")) == 1
    kinguin.clock.advance(timedelta(minutes=3))
    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED

    assert [r.method for r in server.requests[:3]] == ["GET", "POST", "GET"]
    assert len(server.orders_for(item.id)) == 1


async def test_a_hanging_kinguin_times_out_without_leaking_the_api_key(
    kinguin: World, server: KinguinServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    placed = await paid_order(kinguin, quantity=1)
    server.hang("GET", "/v1/order", seconds=3, times=2)
    assert kinguin.kinguin is not None
    supplier = KinguinSupplier(kinguin.uow(), kinguin.kinguin)
    product = await kinguin_product_of(kinguin, placed)

    with pytest.raises(SupplierUnavailable) as raised:
        await supplier.obtain(SupplyRequest(placed.order.id, placed.order.items[0].id, product, 1))

    assert "ReadTimeout" in str(raised.value)
    assert API_KEY not in str(raised.value)
    assert API_KEY not in repr(kinguin.kinguin)
    assert API_KEY not in caplog.text
    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.RETRY_LATER
    assert API_KEY not in caplog.text


async def test_kinguin_refusing_the_order_fails_it_with_the_reason(
    kinguin: World, server: KinguinServer
) -> None:
    server.stock[KINGUIN_ID] = []
    placed = await paid_order(kinguin, quantity=1)

    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FAILED

    order = kinguin.db.orders[placed.order.id]
    assert order.failure_reason == "Kinguin refused the order (HTTP 400: Product is out of stock)."


async def test_a_canceled_kinguin_order_fails_the_fulfillment(kinguin: World, server: KinguinServer) -> None:
    server.keys_pending_polls = 5
    placed = await paid_order(kinguin, quantity=1)
    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.RETRY_LATER
    [kinguin_order] = server.orders_for(placed.order.items[0].id)
    kinguin_order.status = "canceled"

    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FAILED
    assert (
        kinguin.db.orders[placed.order.id].failure_reason
        == f"Kinguin order {kinguin_order.order_id} was canceled."
    )


async def test_pending_keys_raise_keys_not_ready(kinguin: World, server: KinguinServer) -> None:
    server.keys_pending_polls = 1
    placed = await paid_order(kinguin, quantity=2)
    product = await kinguin_product_of(kinguin, placed)
    assert kinguin.kinguin is not None
    supplier = KinguinSupplier(kinguin.uow(), kinguin.kinguin)
    request = SupplyRequest(placed.order.id, placed.order.items[0].id, product, 2)

    with pytest.raises(KeysNotReady, match="0 of 2 keys ready"):
        await supplier.obtain(request)
    assert len(await supplier.obtain(request)) == 2


async def test_keys_with_ids_of_their_own_keep_them(kinguin: World, server: KinguinServer) -> None:
    server.stock[KINGUIN_ID] = [FakeKey("KEY-A", id="k-1"), FakeKey("KEY-B", id="k-2")]
    placed = await paid_order(kinguin, quantity=2)
    product = await kinguin_product_of(kinguin, placed)
    assert kinguin.kinguin is not None
    supplier = KinguinSupplier(kinguin.uow(), kinguin.kinguin)

    keys = await supplier.obtain(SupplyRequest(placed.order.id, placed.order.items[0].id, product, 2))

    assert [k.key_id for k in keys] == ["kg:k-1", "kg:k-2"]


async def test_without_a_kinguin_supplier_the_order_fails_for_the_operator(world: World) -> None:
    placed = await paid_order(world, quantity=1)

    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FAILED
    assert world.db.orders[placed.order.id].failure_reason == "No kinguin supplier is configured."


# --- a key Kinguin delivers that the shop already holds or delivered (docs/stock-integrity.md)  -------------

DUPLICATE = "KGN-DUPLICATE-0001"


async def test_a_key_kinguin_delivers_a_second_time_is_held_for_the_operator_not_sold(
    kinguin: World, server: KinguinServer
) -> None:
    """Kinguin hands out one serial twice (under two key ids): the second order gets nothing of it."""
    server.stock[KINGUIN_ID] = [FakeKey(DUPLICATE, id="first"), FakeKey(DUPLICATE, id="again")]
    product = await kinguin_product(kinguin)
    first, second = await kinguin.order(product), await kinguin.order(product)
    await kinguin.pay(first)
    await kinguin.pay(second)

    assert await kinguin.fulfill_use_case().execute(first.order.id) is FulfillOutcome.FULFILLED
    outcome = await kinguin.fulfill_use_case().execute(second.order.id)

    assert outcome is FulfillOutcome.NEEDS_ATTENTION
    held = kinguin.db.orders[second.order.id]
    assert held.status is OrderStatus.NEEDS_ATTENTION
    assert held.lease_owner is None
    assert held.failure_reason is not None
    assert first.order.id in held.failure_reason
    assert DUPLICATE not in held.failure_reason
    assert [k for k in kinguin.db.keys.values() if k.order_id == second.order.id] == []
    assert not any(path.startswith(f"keys/{second.order.id}/") for path in kinguin.store.blobs)
    assert held.customer_status.value == "processing"
    # The request is closed: no reconciler round retries it; the operator's retry holds it again.
    assert kinguin.db.requests[second.order.id].state == "done"
    assert await kinguin.fulfill_use_case().execute(second.order.id) is FulfillOutcome.NEEDS_ATTENTION
    assert [k for k in kinguin.db.keys.values() if k.order_id == second.order.id] == []
    revealed = await kinguin.reveal_use_case().execute(
        RevealRequest(AccessTokenCredential(first.order.id, first.access_token), CLIENT)
    )
    assert [key.key.secret for key in revealed.keys] == [DUPLICATE.encode()]


async def test_a_kinguin_key_that_is_in_own_stock_is_held(kinguin: World, server: KinguinServer) -> None:
    server.stock[KINGUIN_ID] = [FakeKey(f"  {DUPLICATE}  ", id="only")]
    stocked = await kinguin.product("OWN-1", keys=[DUPLICATE])
    placed = await paid_order(kinguin, quantity=1)

    assert await kinguin.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.NEEDS_ATTENTION

    reason = kinguin.db.orders[placed.order.id].failure_reason or ""
    [unit] = [u for u in kinguin.db.stock.values() if u.product_id == stocked.id]
    assert f"stock unit {unit.id}, in stock" in reason
    assert kinguin.db.keys == {}
