"""The fulfilment lease in the store: the heartbeat's renewal (`OrderRepository.renew_lease`) beside the
holder's own transaction, take-overs, and the reconciler finding a lapsed lease at once (`due`)."""

import asyncio
from datetime import timedelta

import pytest

from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import Product
from tests.contract.conftest import UowFactory
from tests.contract.factories import (
    at,
    expect_conflict,
    make_item,
    make_order,
    make_product,
    read_order,
    store,
)

LEASE = timedelta(seconds=10)
GRACE = timedelta(seconds=30)


@pytest.fixture
def product() -> Product:
    return make_product()


async def claimed_order(uow_factory: UowFactory, product: Product, owner: str = "worker-a") -> Order:
    """A paid order taken by `owner` at `at(0)`, as committed (lease until `at(0) + LEASE`)."""
    order = make_order(make_item(product, 2), make_item(product, 1), status=OrderStatus.PAID)
    await store(uow_factory(), products=[product], orders=[order])
    return await claim(uow_factory, order.id, owner, 0)


async def claim(uow_factory: UowFactory, order_id: str, owner: str, seconds: float) -> Order:
    uow = uow_factory()
    order = await read_order(uow, order_id)
    assert order.claim(owner, at(seconds), LEASE)
    await uow.orders.save(order)
    await uow.commit()
    return order


async def renew(uow_factory: UowFactory, order_id: str, owner: str, seconds: float) -> bool:
    uow = uow_factory()
    renewed = await uow.orders.renew_lease(order_id, owner, at(seconds) + LEASE)
    await uow.commit()
    return renewed


async def test_the_holder_renews_its_lease_and_nothing_else_changes(
    uow_factory: UowFactory, product: Product
) -> None:
    claimed = await claimed_order(uow_factory, product)

    assert await renew(uow_factory, claimed.id, "worker-a", 4) is True

    stored = await read_order(uow_factory(), claimed.id)
    assert stored.lease_expires_at == at(4) + LEASE
    assert stored.lease_owner == "worker-a"
    assert stored.version == claimed.version  # no version bump: the holder's own saves still commit
    assert stored.updated_at == claimed.updated_at
    assert stored.status is OrderStatus.FULFILLING


async def test_no_one_else_renews_a_lease(uow_factory: UowFactory, product: Product) -> None:
    claimed = await claimed_order(uow_factory, product)

    assert await renew(uow_factory, claimed.id, "worker-b", 4) is False
    assert await renew(uow_factory, "0190e8b2-3f4c-7d5e-8f60-718293a4b5c6", "worker-a", 4) is False

    stored = await read_order(uow_factory(), claimed.id)
    assert (stored.lease_owner, stored.lease_expires_at) == ("worker-a", at(0) + LEASE)


async def test_a_lease_given_back_or_finished_is_not_renewed(
    uow_factory: UowFactory, product: Product
) -> None:
    claimed = await claimed_order(uow_factory, product)
    uow = uow_factory()
    order = await read_order(uow, claimed.id)
    for item in order.items:
        order.mark_item_fulfilled(item.id, at(1))
    order.complete(at(1))
    await uow.orders.save(order)
    await uow.commit()

    assert await renew(uow_factory, claimed.id, "worker-a", 2) is False
    stored = await read_order(uow_factory(), claimed.id)
    assert (stored.status, stored.lease_owner, stored.lease_expires_at) == (OrderStatus.FULFILLED, None, None)


async def test_a_renewal_beside_the_holders_open_transaction_never_fails_its_commit(
    uow_factory: UowFactory, product: Product, adapter: str
) -> None:
    """The heartbeat renews while the job has staged a save of the same order (on PostgreSQL the save
    holds the row lock, on SQLite the transaction holds the write lock): the renewal waits its turn,
    and the job's save, checked against the version it read, still commits."""
    claimed = await claimed_order(uow_factory, product)
    job = uow_factory()
    order = await read_order(job, claimed.id)
    order.mark_item_fulfilled(order.items[0].id, at(1))
    await job.orders.save(order)

    renewal = asyncio.create_task(renew(uow_factory, claimed.id, "worker-a", 3))
    await asyncio.sleep(0.3)
    if adapter != "memory":
        assert not renewal.done(), "the renewal went past the holder's lock"
    await job.commit()
    assert await asyncio.wait_for(renewal, 10) is True

    stored = await read_order(uow_factory(), claimed.id)
    assert stored.version == claimed.version + 1
    assert stored.items[0].fulfilled_at == at(1)
    assert stored.lease_owner == "worker-a"
    # Whichever wrote last (the renewal, or a save from the job carrying the expiry it read).
    assert stored.lease_expires_at in (at(3) + LEASE, at(0) + LEASE)


async def test_a_take_over_still_fails_the_old_holders_commit_and_ends_its_renewals(
    uow_factory: UowFactory, product: Product
) -> None:
    claimed = await claimed_order(uow_factory, product)
    assert await renew(uow_factory, claimed.id, "worker-a", 4) is True
    slow = uow_factory()
    stale = await read_order(slow, claimed.id)

    # The lease lapsed (say the renewals failed for a while): another worker takes the order over.
    taken = await claim(uow_factory, claimed.id, "worker-b", 4 + LEASE.total_seconds())

    stale.mark_item_fulfilled(stale.items[0].id, at(20))
    await expect_conflict(slow, lambda: slow.orders.save(stale))
    assert await renew(uow_factory, claimed.id, "worker-a", 21) is False
    stored = await read_order(uow_factory(), claimed.id)
    assert (stored.lease_owner, stored.lease_expires_at) == ("worker-b", taken.lease_expires_at)
    assert stored.items[0].fulfilled_at is None


async def due(uow_factory: UowFactory, seconds: float) -> list[str]:
    uow = uow_factory()
    found = await uow.fulfillment_requests.due(at(seconds) - GRACE, at(seconds), 10)
    await uow.rollback()
    return found


async def dispatch(uow_factory: UowFactory, order_id: str, seconds: float) -> None:
    uow = uow_factory()
    await uow.fulfillment_requests.mark_dispatched(order_id, at(seconds))
    await uow.commit()


async def test_a_request_whose_lease_lapsed_is_due_at_once_and_once(
    uow_factory: UowFactory, product: Product
) -> None:
    """A dead worker's order is due as soon as its lease lapses, not a grace period after it was
    dispatched; once dispatched again it waits for the grace (or for the next lapse)."""
    uow = uow_factory()
    order = make_order(make_item(product, 1), status=OrderStatus.PAID)
    await store(uow, products=[product], orders=[order])
    await uow.fulfillment_requests.add(order.id, at(-1))
    await uow.commit()
    await dispatch(uow_factory, order.id, 0)
    await claim(uow_factory, order.id, "worker-a", 0.5)  # lease until at(10.5)
    assert await renew(uow_factory, order.id, "worker-a", 3)  # heartbeat: until at(13)

    assert await due(uow_factory, 12.9) == []  # live lease, well within the grace
    # The worker died after its renewal at at(3): its lease lapses at at(13).
    assert await due(uow_factory, 13) == [order.id]
    await dispatch(uow_factory, order.id, 13.5)
    assert await due(uow_factory, 14) == []  # re-queued once; its job has yet to take the lease
    # The next worker takes it and dies too: due again at that lease's end.
    await claim(uow_factory, order.id, "worker-b", 14)
    assert await due(uow_factory, 23.9) == []
    assert await due(uow_factory, 24) == [order.id]


async def test_a_lease_given_back_waits_for_the_grace(uow_factory: UowFactory, product: Product) -> None:
    uow = uow_factory()
    order = make_order(make_item(product, 1), status=OrderStatus.PAID)
    await store(uow, products=[product], orders=[order])
    await uow.fulfillment_requests.add(order.id, at(0))
    await uow.commit()
    claimed = await claim(uow_factory, order.id, "worker-a", 1)
    uow = uow_factory()
    fresh = await read_order(uow, claimed.id)
    assert fresh.release("worker-a", at(2))
    await uow.orders.save(fresh)
    await uow.commit()

    assert await due(uow_factory, 29) == []
    assert await due(uow_factory, 30.5) == [order.id]
