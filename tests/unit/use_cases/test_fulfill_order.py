"""FulfillOrder (docs/vault.md, docs/reliability.md): sealed, bound keys; exactly one key per paid unit
through reruns, races, lease take-overs, crashes, stock-outs and storage outages."""

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bitloot.adapters.suppliers.own_stock import OwnStockSupplier
from bitloot.application.errors import Conflict, NotFound
from bitloot.application.ports.suppliers import SupplyRequest
from bitloot.application.use_cases.fulfill_order import FulfillmentSettings, FulfillOrder, FulfillOutcome
from bitloot.application.use_cases.place_order import OrderLine, PlacedOrder, PlaceOrderRequest
from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, RevealRequest
from bitloot.domain.audit import ClientInfo
from bitloot.domain.delivery_email import DeliveryEmailKind
from bitloot.domain.errors import KeyIntegrityError
from bitloot.domain.keys import Envelope, KeyMaterial, SealedKey, order_key_context
from bitloot.domain.operator_audit import Actor
from bitloot.domain.order import Order
from bitloot.domain.order_status import FulfillmentStatus, OrderStatus
from bitloot.domain.product import Product, SupplierKind
from tests.fakes.blob_store import InMemoryBlobStore, StoreThatDiesAfter
from tests.fakes.email_sender import SentNotice
from tests.fakes.unit_of_work import InMemoryUnitOfWork
from tests.support.actors import CLI
from tests.unit.conftest import BASE_URL, World

LEASE = timedelta(minutes=2)


@pytest.fixture(autouse=True, params=["one by one", "in a batch"])
def fulfilment_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here twice: through `FulfillOrder` alone, and through the worker's `FulfillBatch`
    (whose unusual cases go to `FulfillOrder`): both keep the same promises."""
    monkeypatch.setattr(World, "batched", request.param == "in a batch")


def key_names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{n:04d}-XXXX" for n in range(count)]


async def paid_order(world: World, product: Product, quantity: int = 1) -> PlacedOrder:
    placed = await world.order(product, quantity)
    await world.pay(placed)
    return placed


def keys_of(world: World, order_id: str) -> list[SealedKey]:
    return sorted((k for k in world.db.keys.values() if k.order_id == order_id), key=lambda k: k.id)


def sources_of(keys: Sequence[SealedKey]) -> list[str]:
    """The supplier's key ids (here stock unit ids) the keys were sealed from, sorted."""
    return sorted(k.source_key_id for k in keys)


def order_blobs(world: World, order_id: str) -> set[str]:
    return {p for p in world.store.blobs if p.startswith(f"keys/{order_id}/")}


def units_of(world: World, item_id: str) -> list[str]:
    return sorted(unit.id for unit in world.db.stock.values() if unit.item_id == item_id)


def unallocated(world: World, product: Product) -> int:
    return sum(1 for u in world.db.stock.values() if u.product_id == product.id and u.item_id is None)


async def emails_sent(world: World, *kinds: DeliveryEmailKind) -> list[SentNotice]:
    """Every email of `kinds` (by default the delivery email) sent so far, after sending what the
    outbox holds (as the job does)."""
    await world.send_delivery_emails_use_case().execute()
    return world.email_sender.of_kind(*(kinds or (DeliveryEmailKind.ORDER_FULFILLED,)))


def open_key(world: World, key: SealedKey, context: str) -> KeyMaterial:
    blob = world.store.blobs[key.blob_path]
    return world.vault.open(Envelope(blob, key.wrapped_key, key.key_version, key.blob_sha256), context)


def stored(world: World, order_id: str) -> Order:
    return world.db.orders[order_id]


async def claim_and_allocate(world: World, placed: PlacedOrder, worker: str) -> list[str]:
    """A worker that takes the lease and gets its stock units, then stops (crashes, or is just slow)."""
    uow = world.uow()
    order = await uow.orders.get(placed.order.id)
    assert order is not None
    assert order.claim(worker, world.clock.now(), LEASE)
    await uow.orders.save(order)
    await uow.commit()
    supplier = OwnStockSupplier(uow, world.vault, world.store)
    ids = []
    for item in order.items:
        product = await uow.products.get(item.product_id)
        assert product is not None
        supplied = await supplier.obtain(SupplyRequest(order.id, item.id, product, item.quantity))
        ids += [key.key_id for key in supplied]
    return sorted(ids)


# --- what a fulfilment leaves behind ------------------------------------------------------------------


async def test_keys_are_sealed_to_their_order_item_and_key(world: World) -> None:
    product = await world.product("GAME-2", keys=key_names("GAME", 3))
    placed = await paid_order(world, product, quantity=3)
    other = await world.fulfilled_order(keys=["OTHER-KEY"])
    order_id = placed.order.id
    item_id = placed.order.items[0].id

    assert await world.fulfill_use_case().execute(order_id) is FulfillOutcome.FULFILLED

    keys = keys_of(world, order_id)
    assert len(keys) == 3
    opened = {open_key(world, k, order_key_context(order_id, item_id, k.id)).secret for k in keys}
    assert opened == {name.encode() for name in key_names("GAME", 3)}
    other_key = keys_of(world, other.order.id)[0]
    for key in keys:
        assert key.item_id == item_id
        assert key.product_id == product.id
        assert key.blob_path == f"keys/{order_id}/{key.id}"
        assert key.content_type == "text/plain"
        # Bound to order, item and key: any other context refuses to open it.
        for context in (
            order_key_context(other.order.id, other_key.item_id, key.id),
            order_key_context(other.order.id, item_id, key.id),
            order_key_context(order_id, "another-item", key.id),
            order_key_context(order_id, item_id, other_key.id),
        ):
            with pytest.raises(KeyIntegrityError):
                open_key(world, key, context)
        assert not any(name.encode() in world.store.blobs[key.blob_path] for name in key_names("GAME", 3))


async def test_blobs_live_under_keys_order_key_and_units_go_to_the_item(world: World) -> None:
    product = await world.product(keys=key_names("GAME", 4))
    placed = await paid_order(world, product, quantity=2)
    order_id = placed.order.id
    item_id = placed.order.items[0].id

    await world.fulfill_use_case().execute(order_id)

    keys = keys_of(world, order_id)
    assert {p for p in world.store.blobs if p.startswith("keys/")} == {
        f"keys/{order_id}/{k.id}" for k in keys
    }
    assert all(k.blob_path == f"keys/{order_id}/{k.id}" for k in keys)
    # Each key has an id of its own; its source key ids are the ids of the stock units the item was
    # given, and those are the item's alone.
    assert not {k.id for k in keys} & {k.source_key_id for k in keys}
    assert units_of(world, item_id) == sources_of(keys)
    for unit_id in sources_of(keys):
        assert world.db.stock[unit_id].order_id == order_id
    assert unallocated(world, product) == 2


async def test_a_fulfilled_order_is_complete_and_its_request_done(world: World) -> None:
    game = await world.product("GAME-1", keys=key_names("G", 2))
    dlc = await world.product("DLC-1", keys=key_names("D", 1))
    placed = await world.place_order_use_case().execute(
        PlaceOrderRequest("player@example.com", [OrderLine(game.id, 2), OrderLine(dlc.id, 1)])
    )
    await world.pay(placed)

    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED

    order = stored(world, placed.order.id)
    assert order.status is OrderStatus.FULFILLED
    assert order.customer_status is FulfillmentStatus.FULFILLED
    assert order.fulfilled_at == world.clock.now()
    assert all(item.fulfilled_at == world.clock.now() for item in order.items)
    assert (order.lease_owner, order.lease_expires_at) == (None, None)
    assert Counter(k.item_id for k in keys_of(world, order.id)) == {i.id: i.quantity for i in order.items}
    assert world.db.requests[order.id].state == "done"


# --- reruns and races ---------------------------------------------------------------------------------


async def test_running_again_is_skipped_and_adds_nothing(world: World) -> None:
    product = await world.product(keys=key_names("GAME", 4))
    placed = await paid_order(world, product, quantity=2)
    await world.fulfill_use_case().execute(placed.order.id)
    keys_before = dict(world.db.keys)
    blobs_before = dict(world.store.blobs)

    for worker in ("worker-1", "worker-2"):
        assert await world.fulfill_use_case(worker).execute(placed.order.id) is FulfillOutcome.SKIPPED

    assert world.db.keys == keys_before
    assert world.store.blobs == blobs_before
    assert unallocated(world, product) == 2
    assert len(await emails_sent(world)) == 1


async def test_two_workers_at_once_deliver_exactly_the_quantity(any_world: World) -> None:
    world = any_world
    product = await world.product(keys=key_names("GAME", 6))
    placed = await paid_order(world, product, quantity=3)

    outcomes = await asyncio.gather(
        world.fulfill_use_case("worker-a").execute(placed.order.id),
        world.fulfill_use_case("worker-b").execute(placed.order.id),
    )

    assert sorted(outcomes) == sorted([FulfillOutcome.FULFILLED, FulfillOutcome.SKIPPED])
    keys = keys_of(world, placed.order.id)
    assert len(keys) == 3
    assert sources_of(keys) == units_of(world, placed.order.items[0].id)
    assert unallocated(world, product) == 3
    assert len(await emails_sent(world)) == 1
    assert stored(world, placed.order.id).status is OrderStatus.FULFILLED


async def test_orders_fulfilled_at_once_never_share_a_unit(any_world: World) -> None:
    world = any_world
    product = await world.product(keys=key_names("GAME", 6))
    orders = [await paid_order(world, product, quantity=2) for _ in range(3)]

    outcomes = await asyncio.gather(
        *(world.fulfill_use_case(f"worker-{n}").execute(p.order.id) for n, p in enumerate(orders))
    )
    # A worker that lost a race for a unit starts again from a fresh read and takes another one.
    assert outcomes == [FulfillOutcome.FULFILLED] * 3
    world.clock.advance(LEASE)
    assert {await world.fulfill_use_case("late").execute(p.order.id) for p in orders} == {
        FulfillOutcome.SKIPPED
    }

    all_units = [k.source_key_id for k in world.db.keys.values()]
    assert len(all_units) == len(set(all_units)) == 6
    for placed in orders:
        keys = keys_of(world, placed.order.id)
        assert len(keys) == 2
        assert sources_of(keys) == units_of(world, placed.order.items[0].id)
    assert unallocated(world, product) == 0


async def test_a_live_lease_keeps_others_out_until_it_expires(world: World) -> None:
    product = await world.product(keys=key_names("GAME", 5))
    placed = await paid_order(world, product, quantity=2)
    order_id = placed.order.id
    allocated = await claim_and_allocate(world, placed, "slow-worker")
    free_after_allocation = unallocated(world, product)

    world.clock.advance(LEASE - timedelta(seconds=1))
    assert await world.fulfill_use_case("worker-2").execute(order_id) is FulfillOutcome.SKIPPED
    assert keys_of(world, order_id) == []
    assert stored(world, order_id).lease_owner == "slow-worker"

    world.clock.advance(timedelta(seconds=1))
    assert await world.fulfill_use_case("worker-2").execute(order_id) is FulfillOutcome.FULFILLED
    assert sources_of(keys_of(world, order_id)) == allocated
    assert unallocated(world, product) == free_after_allocation == 3


async def test_a_crash_after_allocation_reuses_the_same_units(world: World) -> None:
    product = await world.product(keys=key_names("GAME", 5))
    placed = await paid_order(world, product, quantity=3)
    order_id = placed.order.id
    allocated = await claim_and_allocate(world, placed, "crashed-worker")
    assert units_of(world, placed.order.items[0].id) == allocated

    world.clock.advance(LEASE + timedelta(seconds=1))
    assert await world.fulfill_use_case("worker-2").execute(order_id) is FulfillOutcome.FULFILLED

    assert sources_of(keys_of(world, order_id)) == allocated
    assert unallocated(world, product) == 2
    opened = {
        open_key(world, k, order_key_context(order_id, k.item_id, k.id)).secret
        for k in keys_of(world, order_id)
    }
    assert len(opened) == 3
    assert opened <= {name.encode() for name in key_names("GAME", 5)}


async def test_a_crash_between_writing_blobs_and_recording_them_is_finished_later() -> None:
    world = World(store=StoreThatDiesAfter(puts=3))  # the stock import takes 2 of them
    product = await world.product(keys=key_names("GAME", 2))
    placed = await paid_order(world, product, quantity=2)
    order_id = placed.order.id

    # A run alone (a batch deletes what it wrote when storage fails; a crash cannot).
    assert await world.fulfill_one_use_case("worker-1").execute(order_id) is FulfillOutcome.RETRY_LATER
    # One sealed blob reached storage; no row records it, no item is done.
    [crashed_blob] = [p for p in world.store.blobs if p.startswith("keys/")]
    assert keys_of(world, order_id) == []
    assert stored(world, order_id).status is OrderStatus.FULFILLING

    assert isinstance(world.store, StoreThatDiesAfter)
    world.store.puts_left = 10
    world.clock.advance(LEASE)
    assert await world.fulfill_use_case("worker-2").execute(order_id) is FulfillOutcome.FULFILLED

    keys = keys_of(world, order_id)
    assert sources_of(keys) == units_of(world, placed.order.items[0].id)
    # The rerun seals each unit afresh, under new paths: one blob per recorded key. The blob of the
    # crashed attempt is referenced by no key (nothing can clean up after a real crash) and is never
    # taken for a key.
    assert len({k.blob_path for k in keys}) == 2
    assert crashed_blob not in {k.blob_path for k in keys}
    assert {p for p in world.store.blobs if p.startswith("keys/")} == {k.blob_path for k in keys} | {
        crashed_blob
    }
    for key in keys:
        open_key(world, key, order_key_context(order_id, key.item_id, key.id))


# --- stock-outs and retries ---------------------------------------------------------------------------


async def test_out_of_stock_fails_the_order_and_a_retry_after_import_fulfills_it(world: World) -> None:
    product = await world.product(keys=["ONLY-ONE"])
    first = await paid_order(world, product)
    second = await paid_order(world, product)  # both accepted: stock is taken only at fulfilment
    assert await world.fulfill_use_case().execute(first.order.id) is FulfillOutcome.FULFILLED

    assert await world.fulfill_use_case().execute(second.order.id) is FulfillOutcome.FAILED
    failed = stored(world, second.order.id)
    assert failed.status is OrderStatus.FAILED
    assert failed.customer_status is FulfillmentStatus.FAILED
    assert failed.failure_reason
    assert (failed.lease_owner, failed.lease_expires_at) == (None, None)
    assert keys_of(world, second.order.id) == []
    assert len(await emails_sent(world)) == 1
    # The second customer is told what happens next, once.
    [told] = await emails_sent(world, DeliveryEmailKind.ORDER_FAILED)
    assert told.order_id == second.order.id

    await world.import_stock().execute(product.id, ["RESTOCKED"], CLI)
    queued_before = len(world.queue.enqueued)
    await world.retry_use_case().execute(second.order.id, Actor.command_line())
    assert world.queue.enqueued[queued_before:] == [second.order.id]
    # Opened anew and queued (a first hand-over marks nothing: docs/reliability.md).
    assert world.db.requests[second.order.id].state == "pending"

    assert await world.fulfill_use_case().execute(world.queue.enqueued[-1]) is FulfillOutcome.FULFILLED
    done = stored(world, second.order.id)
    assert done.status is OrderStatus.FULFILLED
    assert done.failure_reason is None
    [key] = keys_of(world, second.order.id)
    assert open_key(world, key, order_key_context(done.id, key.item_id, key.id)).secret == b"RESTOCKED"
    assert unallocated(world, product) == 0
    assert len(await emails_sent(world)) == 2


async def test_a_retry_keeps_the_items_already_delivered(world: World) -> None:
    game = await world.product("GAME-1", keys=["G-1"])
    dlc = await world.product("DLC-1", keys=["D-1"])
    rival = await paid_order(world, dlc)
    placed = await world.place_order_use_case().execute(
        PlaceOrderRequest("player@example.com", [OrderLine(game.id, 1), OrderLine(dlc.id, 1)])
    )
    await world.pay(placed)
    await world.fulfill_use_case().execute(rival.order.id)  # takes the only DLC key

    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FAILED
    game_item, dlc_item = placed.order.items
    [game_key] = keys_of(world, placed.order.id)
    assert game_key.item_id == game_item.id

    await world.import_stock().execute(dlc.id, ["D-2"], CLI)
    await world.retry_use_case().execute(placed.order.id, CLI)
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED

    keys = keys_of(world, placed.order.id)
    assert Counter(k.item_id for k in keys) == {game_item.id: 1, dlc_item.id: 1}
    assert game_key in keys
    assert unallocated(world, game) == 0


async def test_only_a_failed_order_is_retried(world: World) -> None:
    placed = await world.fulfilled_order()
    with pytest.raises(Conflict):
        await world.retry_use_case().execute(placed.order.id, Actor.command_line())
    with pytest.raises(NotFound):
        await world.retry_use_case().execute("no-such-order", Actor.command_line())


async def test_unknown_and_unpaid_orders_are_left_alone(world: World) -> None:
    product = await world.product(keys=["K-1"])
    unpaid = await world.order(product)

    assert await world.fulfill_use_case().execute("no-such-order") is FulfillOutcome.NOT_FOUND
    assert await world.fulfill_use_case().execute(unpaid.order.id) is FulfillOutcome.SKIPPED
    assert stored(world, unpaid.order.id).status is OrderStatus.AWAITING_PAYMENT
    assert unallocated(world, product) == 1


# --- outages ------------------------------------------------------------------------------------------


async def test_a_storage_outage_is_retried_later_and_records_nothing(world: World) -> None:
    product = await world.product(keys=key_names("GAME", 3))
    placed = await paid_order(world, product, quantity=2)
    order_id = placed.order.id
    world.store.unavailable = True

    assert await world.fulfill_use_case("worker-1").execute(order_id) is FulfillOutcome.RETRY_LATER

    assert keys_of(world, order_id) == []
    assert not any(p.startswith("keys/") for p in world.store.blobs)
    order = stored(world, order_id)
    assert order.status is OrderStatus.FULFILLING
    assert not any(item.is_fulfilled for item in order.items)
    assert await emails_sent(world) == []
    assert world.db.requests[order_id].state == "pending"

    world.store.unavailable = False
    assert await world.fulfill_use_case("worker-2").execute(order_id) is FulfillOutcome.SKIPPED
    world.clock.advance(LEASE)
    assert await world.fulfill_use_case("worker-2").execute(order_id) is FulfillOutcome.FULFILLED
    assert len(keys_of(world, order_id)) == 2
    assert unallocated(world, product) == 1


# --- telling the customer -----------------------------------------------------------------------------


async def test_the_customer_gets_one_notice_with_a_link_and_never_the_key(world: World) -> None:
    secret = "SECRET-GAME-KEY-12345"
    placed = await world.fulfilled_order(keys=[secret])
    await world.fulfill_use_case().execute(placed.order.id)
    await world.send_delivery_emails_use_case().execute()
    await world.send_delivery_emails_use_case().execute()

    [received] = world.email_sender.of_kind(DeliveryEmailKind.ORDER_RECEIVED)
    assert secret not in received.words
    [notice] = world.email_sender.of_kind(DeliveryEmailKind.ORDER_FULFILLED)
    assert len(world.email_sender.sent) == 2
    assert notice.order_id == placed.order.id
    assert notice.email == "player@example.com"
    assert notice.link.url.startswith(f"{BASE_URL}/d/")
    assert world.links.resolve(notice.link.token, world.clock.now()) == placed.order.id
    assert notice.link.expires_at == world.clock.now() + timedelta(minutes=15)
    for text in (notice.link.url, notice.link.token, repr(notice), str(notice), notice.words):
        assert secret not in text


# --- a worker that outlived its lease -----------------------------------------------------------------


class PausingBlobStore(InMemoryBlobStore):
    """Shares another store's blobs; its reads stall until released (a slow supplier or network)."""

    def __init__(self, shared: InMemoryBlobStore) -> None:
        super().__init__()
        self.blobs = shared.blobs
        self.stalled = asyncio.Event()
        self.release = asyncio.Event()

    async def get(self, path: str) -> bytes | None:
        self.stalled.set()
        await self.release.wait()
        return await super().get(path)


def slow_worker(
    world: World, store: InMemoryBlobStore, uow: InMemoryUnitOfWork | None = None, lease: timedelta = LEASE
) -> FulfillOrder:
    uow = uow or world.uow()
    return FulfillOrder(
        uow,
        {SupplierKind.STOCK: OwnStockSupplier(uow, world.vault, store)},
        world.vault,
        store,
        world.clock,
        world.heartbeat(),
        FulfillmentSettings(worker_id="slow-worker", lease=lease),
        world.fingerprints,
        world.metrics,
    )


async def test_a_worker_that_outlived_its_lease_neither_fails_nor_spoils_the_keys(world: World) -> None:
    product = await world.product(keys=key_names("GAME", 4))
    placed = await paid_order(world, product, quantity=2)
    order_id = placed.order.id
    paused = PausingBlobStore(world.store)

    slow = asyncio.create_task(slow_worker(world, paused).execute(order_id))
    await paused.stalled.wait()  # it holds the lease and its units, and stalls in the supplier step
    world.clock.advance(LEASE)
    assert await world.fulfill_use_case("worker-2").execute(order_id) is FulfillOutcome.FULFILLED
    delivered = {k.id: world.store.blobs[k.blob_path] for k in keys_of(world, order_id)}
    paused.release.set()

    assert await slow is FulfillOutcome.SKIPPED
    keys = keys_of(world, order_id)
    assert sorted(k.id for k in keys) == sorted(delivered)
    assert sources_of(keys) == units_of(world, placed.order.items[0].id)
    # The slow worker wrote nothing over the keys the other one delivered: every key still opens.
    assert {k.id: world.store.blobs[k.blob_path] for k in keys} == delivered
    for key in keys:
        open_key(world, key, order_key_context(order_id, key.item_id, key.id))
    assert order_blobs(world, order_id) == {k.blob_path for k in keys}
    reveal = await world.reveal_use_case().execute(
        RevealRequest(AccessTokenCredential(order_id, placed.access_token), ClientInfo("203.0.113.7", "ua"))
    )
    assert len(reveal.keys) == 2
    assert unallocated(world, product) == 2
    assert len(await emails_sent(world)) == 1


# --- the heartbeat --------------------------------------------------------------------------------------

# Short in real time, so the heartbeat beats (every third of it) while the test waits; the frozen clock
# moves only when the test advances it.
BEATING_LEASE = timedelta(milliseconds=150)


class RecordingPausingStore(PausingBlobStore):
    def __init__(self, shared: InMemoryBlobStore) -> None:
        super().__init__(shared)
        self.written: list[str] = []

    async def put(self, path: str, blob: bytes) -> None:
        self.written.append(path)
        await super().put(path, blob)


async def until(condition: Callable[[], bool], within: float = 5) -> None:
    for _ in range(int(within / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not within {within}s")


async def test_the_heartbeat_keeps_a_long_job_s_lease_past_its_first_expiry(world: World) -> None:
    product = await world.product(keys=key_names("GAME", 4))
    placed = await paid_order(world, product, quantity=2)
    order_id = placed.order.id
    paused = RecordingPausingStore(world.store)
    slow = asyncio.create_task(slow_worker(world, paused, lease=BEATING_LEASE).execute(order_id))
    await paused.stalled.wait()  # in the supplier step, for longer than the lease
    claimed_until = stored(world, order_id).lease_expires_at
    assert claimed_until is not None
    world.clock.advance(timedelta(seconds=1))

    await until(lambda: (stored(world, order_id).lease_expires_at or claimed_until) > world.clock.now())
    assert stored(world, order_id).version == 3  # placed, paid, claimed: the renewals bumped nothing
    assert await world.fulfill_use_case("worker-2").execute(order_id) is FulfillOutcome.SKIPPED
    paused.release.set()

    assert await slow is FulfillOutcome.FULFILLED
    keys = keys_of(world, order_id)
    assert sources_of(keys) == units_of(world, placed.order.items[0].id)
    assert (stored(world, order_id).lease_owner, stored(world, order_id).lease_expires_at) == (None, None)


async def test_a_job_whose_heartbeat_found_its_order_taken_over_stops_before_any_blob(world: World) -> None:
    product = await world.product(keys=key_names("GAME", 4))
    placed = await paid_order(world, product, quantity=2)
    order_id = placed.order.id
    paused = RecordingPausingStore(world.store)
    slow = asyncio.create_task(slow_worker(world, paused, lease=BEATING_LEASE).execute(order_id))
    await paused.stalled.wait()
    # Its renewals failed for a while (say): the lease lapsed and another worker took the order over.
    world.clock.advance(timedelta(seconds=1))
    uow = world.uow()
    order = await uow.orders.get(order_id)
    assert order is not None
    assert order.claim("worker-2", world.clock.now(), LEASE)
    await uow.orders.save(order)
    await uow.commit()
    await asyncio.sleep(BEATING_LEASE.total_seconds() * 2)  # a few beats: it finds the lease gone

    paused.release.set()
    assert await slow is FulfillOutcome.SKIPPED
    assert paused.written == []
    assert stored(world, order_id).lease_owner == "worker-2"
    assert world.db.keys == {}


@dataclass
class Stall:
    """Where a worker stops until released: at its n-th put of an order key (before writing it), or at
    the commit that records its keys."""

    put: int | None = None
    commit: bool = False
    stalled: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    puts: int = 0

    async def at_put(self, path: str) -> None:
        if path.startswith("keys/"):
            self.puts += 1
            if self.puts == self.put:
                await self._stop()

    async def at_commit(self, staged_keys: int) -> None:
        if self.commit and staged_keys:
            await self._stop()

    async def _stop(self) -> None:
        self.stalled.set()
        await self.release.wait()


class StallingBlobStore(InMemoryBlobStore):
    """Shares another store's blobs; a put may stall (a slow network) before it writes."""

    def __init__(self, shared: InMemoryBlobStore, stall: Stall) -> None:
        super().__init__()
        self.blobs = shared.blobs
        self.stall = stall
        self.written: list[str] = []

    async def put(self, path: str, blob: bytes) -> None:
        await self.stall.at_put(path)
        await super().put(path, blob)
        self.written.append(path)


class StallingUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, world: World, stall: Stall) -> None:
        super().__init__(world.db)
        self.stall = stall

    async def commit(self) -> None:
        await self.stall.at_commit(len(self.staged.keys))
        await super().commit()


@pytest.mark.parametrize(
    ("stall_at_put", "stall_at_commit"),
    [(1, False), (2, False), (None, True)],
    ids=["before-its-first-blob", "between-its-blobs", "before-recording-its-keys"],
)
async def test_a_worker_that_outlived_its_lease_races_another_and_one_key_per_unit_is_kept(
    world: World, stall_at_put: int | None, stall_at_commit: bool
) -> None:
    """The slow worker renewed its lease, then stalled while sealing for longer than the lease; another
    worker took the order over and sealed the same stock units for the same item. Whichever blobs
    the loser wrote, it leaves none behind, and the winner's keys all open."""
    product = await world.product(keys=key_names("GAME", 4))
    placed = await paid_order(world, product, quantity=2)
    order_id = placed.order.id
    item_id = placed.order.items[0].id

    stall = Stall(put=stall_at_put, commit=stall_at_commit)
    slow_store = StallingBlobStore(world.store, stall)
    slow = asyncio.create_task(
        slow_worker(world, slow_store, StallingUnitOfWork(world, stall)).execute(order_id)
    )
    await stall.stalled.wait()
    world.clock.advance(LEASE)
    assert await world.fulfill_use_case("worker-2").execute(order_id) is FulfillOutcome.FULFILLED
    stall.release.set()
    assert await slow is FulfillOutcome.SKIPPED

    keys = keys_of(world, order_id)
    # Exactly one key per unit: the two units the item was given, each once.
    assert len(keys) == 2
    assert sources_of(keys) == units_of(world, item_id)
    assert {k.item_id for k in keys} == {item_id}
    opened = {open_key(world, k, order_key_context(order_id, item_id, k.id)).secret for k in keys}
    assert len(opened) == 2
    assert opened <= {name.encode() for name in key_names("GAME", 4)}
    # The slow worker sealed both units too, and none of its blobs is left: no blob without a key.
    assert len(slow_store.written) == 2
    assert not set(slow_store.written) & set(world.store.blobs)
    assert order_blobs(world, order_id) == {k.blob_path for k in keys}
    assert stored(world, order_id).status is OrderStatus.FULFILLED
    reveal = await world.reveal_use_case().execute(
        RevealRequest(AccessTokenCredential(order_id, placed.access_token), ClientInfo("203.0.113.7", "ua"))
    )
    assert len(reveal.keys) == 2
    assert unallocated(world, product) == 2
    assert len(await emails_sent(world)) == 1
