"""FulfillBatch (docs/reliability.md, "Batches"): several orders in a fixed number of transactions,
each with exactly its keys; whatever is unusual goes through FulfillOrder with the same outcome. (Every
test of test_fulfill_order.py runs through a batch of one too.)"""

import asyncio
import logging
from collections import Counter

from bitloot.application import log_context
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.place_order import PlacedOrder
from bitloot.domain.delivery_email import DeliveryEmailKind
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import Product
from tests.fakes.blob_store import StoreThatDiesAfter
from tests.fakes.state import MemoryDatabase
from tests.fakes.unit_of_work import InMemoryUnitOfWork
from tests.unit.conftest import World


class CountingWorld(World):
    """Counts the commits of every unit of work it hands out."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.units: list[InMemoryUnitOfWork] = []

    def uow(self) -> InMemoryUnitOfWork:
        unit = InMemoryUnitOfWork(self.db)
        self.units.append(unit)
        return unit


async def paid_orders(world: World, product: Product, quantities: list[int]) -> list[PlacedOrder]:
    placed = [await world.order(product, quantity) for quantity in quantities]
    for order in placed:
        await world.pay(order)
    return placed


def keys_by_order(db: MemoryDatabase) -> Counter[str]:
    return Counter(key.order_id for key in db.keys.values())


def delivery_emails(db: MemoryDatabase) -> Counter[str]:
    return Counter(e.order_id for e in db.emails.values() if e.kind is DeliveryEmailKind.ORDER_FULFILLED)


async def test_a_batch_fulfils_every_order_in_three_commits_whatever_their_number() -> None:
    for count in (2, 12):
        world = CountingWorld()
        product = await world.product(keys=[f"KEY-{n:03d}-{count}" for n in range(count * 2)])
        placed = await paid_orders(world, product, [1 + n % 2 for n in range(count)])
        batch = world.fulfill_batch_use_case()
        before = len(world.units)

        outcomes = await batch.execute_many([p.order.id for p in placed])

        assert set(outcomes.values()) == {FulfillOutcome.FULFILLED}
        assert len(world.units) == before  # one unit of work for the batch ...
        assert world.units[-1].committed == 3  # ... claim, allocation, record
        assert keys_by_order(world.db) == {p.order.id: 1 + n % 2 for n, p in enumerate(placed)}
        assert delivery_emails(world.db) == {p.order.id: 1 for p in placed}
        assert {world.db.orders[p.order.id].status for p in placed} == {OrderStatus.FULFILLED}
        assert {world.db.requests[p.order.id].state for p in placed} == {"done"}
        assert world.metrics.jobs == {"fulfilled": count}


async def test_what_a_batch_cannot_do_goes_its_own_way_with_the_same_outcome() -> None:
    world = World()
    product = await world.product(sku="GAME-2", keys=["KEY-A", "KEY-B"])
    scarce = await world.product(sku="SCARCE-1", keys=["ONLY-ONE"])
    fulfilled = await world.fulfilled_order(keys=["DONE-1"])
    [good] = await paid_orders(world, product, [2])
    # Both placed while the one unit was free; the first in the batch gets it.
    [lucky, short] = await paid_orders(world, scarce, [1, 1])
    unpaid = await world.order(product)
    missing = "01a23b2f-18a4-723e-824d-7c685d94c522"

    ids = [
        good.order.id,
        lucky.order.id,
        short.order.id,
        unpaid.order.id,
        fulfilled.order.id,
        missing,
        good.order.id,
    ]
    outcomes = await world.fulfill_batch_use_case().execute_many(ids)

    assert outcomes == {
        good.order.id: FulfillOutcome.FULFILLED,
        lucky.order.id: FulfillOutcome.FULFILLED,
        short.order.id: FulfillOutcome.FAILED,
        unpaid.order.id: FulfillOutcome.SKIPPED,
        fulfilled.order.id: FulfillOutcome.SKIPPED,
        missing: FulfillOutcome.NOT_FOUND,
    }
    assert world.db.orders[short.order.id].status is OrderStatus.FAILED
    assert world.db.orders[unpaid.order.id].status is OrderStatus.AWAITING_PAYMENT
    assert keys_by_order(world.db)[short.order.id] == 0
    assert [u.item_id for u in world.db.stock.values() if u.product_id == scarce.id] == [
        lucky.order.items[0].id
    ]
    failed = [e for e in world.db.emails.values() if e.kind is DeliveryEmailKind.ORDER_FAILED]
    assert [e.order_id for e in failed] == [short.order.id]
    assert keys_by_order(world.db)[good.order.id] == 2


async def test_a_storage_outage_mid_batch_leaves_no_blob_and_the_next_batch_finishes() -> None:
    world = World(store=StoreThatDiesAfter(puts=4 + 1))  # the import takes 4
    product = await world.product(keys=[f"KEY-{n}" for n in range(4)])
    placed = await paid_orders(world, product, [2, 2])
    ids = [p.order.id for p in placed]

    outcomes = await world.fulfill_batch_use_case().execute_many(ids)

    assert set(outcomes.values()) == {FulfillOutcome.RETRY_LATER}
    assert world.db.keys == {}
    assert [p for p in world.store.blobs if p.startswith("keys/")] == []
    assert isinstance(world.store, StoreThatDiesAfter)
    world.store.puts_left = 100
    world.clock.advance(world.fulfill_batch_use_case()._settings.lease)

    assert set((await world.fulfill_batch_use_case().execute_many(ids)).values()) == {
        FulfillOutcome.FULFILLED
    }
    assert keys_by_order(world.db) == {ids[0]: 2, ids[1]: 2}
    assert {p for p in world.store.blobs if p.startswith("keys/")} == {
        k.blob_path for k in world.db.keys.values()
    }


async def test_batches_racing_over_the_same_orders_deliver_each_unit_once(any_world: World) -> None:
    world = any_world
    product = await world.product(keys=[f"KEY-{n:02d}" for n in range(20)])
    placed = await paid_orders(world, product, [1, 2, 1, 2, 1, 2])
    ids = [p.order.id for p in placed]

    results = await asyncio.gather(
        world.fulfill_batch_use_case("worker-1").execute_many(ids),
        world.fulfill_batch_use_case("worker-2").execute_many(list(reversed(ids))),
        world.fulfill_one_use_case("worker-3").execute(ids[2]),
    )

    for order_id in ids:
        assert world.db.orders[order_id].status is OrderStatus.FULFILLED
    assert Counter(r[order_id] for r in results[:2] for order_id in ids)[FulfillOutcome.FULFILLED] <= len(ids)
    assert keys_by_order(world.db) == {p.order.id: p.order.items[0].quantity for p in placed}
    assert len({k.source_key_id for k in world.db.keys.values()}) == len(world.db.keys)
    assert delivery_emails(world.db) == dict.fromkeys(ids, 1)
    # Every blob is a recorded key's: a loser's blobs were deleted.
    assert {p for p in world.store.blobs if p.startswith("keys/")} == {
        k.blob_path for k in world.db.keys.values()
    }


async def test_each_orders_lines_carry_the_fields_of_the_job_that_asked_for_it() -> None:
    world = World()
    product = await world.product(keys=["KEY-1", "KEY-2", "KEY-3"])
    placed = await paid_orders(world, product, [1, 2])
    seen: list[tuple[str, dict[str, str]]] = []

    class Fields(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append((record.getMessage(), log_context.current()))

    handler = Fields(level=logging.INFO)
    logger = logging.getLogger("bitloot")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    before = log_context.current()
    try:
        labels = {p.order.id: {"request_id": f"req-{n}", "job_id": f"job-{n}"} for n, p in enumerate(placed)}
        await world.fulfill_batch_use_case().execute_many([p.order.id for p in placed], labels)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)

    for n, p in enumerate(placed):
        [fields] = [f for message, f in seen if message == f"order {p.order.id} fulfilled"]
        assert fields == {"request_id": f"req-{n}", "order_id": p.order.id, "job_id": f"job-{n}"}
    assert log_context.current() == before  # the batch left its caller's fields as they were
