"""The operator's overview through the real use cases on a frozen clock: late paid orders after five
minutes, failed ones, the backlogs, the day boundary in UTC, health, and the counts other parts give."""

from dataclasses import dataclass
from datetime import timedelta

from bitloot.application.use_cases.check_health import CheckHealth
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.get_overview import GetOverview, OverviewExtras, StoredExtras
from bitloot.domain.order_status import OrderStatus
from tests.unit.conftest import World


@dataclass
class Probe:
    name: str
    broken: bool = False

    async def check(self) -> None:
        if self.broken:
            raise ConnectionError("refused")


@dataclass
class CountingExtras:
    """Another reader of key reports and low stock, as a deployment may wire one."""

    reports: int
    low: int

    async def open_key_reports(self) -> int | None:
        return self.reports

    async def low_stock_products(self) -> int | None:
        return self.low


def overview(world: World, extras: OverviewExtras | None = None, *probes: Probe) -> GetOverview:
    health = CheckHealth(list(probes) or [Probe("database")], world.clock)
    return GetOverview(world.uow(), health, world.clock, extras or StoredExtras(world.uow()))


async def test_a_paid_order_is_late_after_five_minutes_until_it_is_fulfilled(world: World) -> None:
    product = await world.product(keys=["K-1"])
    placed_at = world.clock.now()
    placed = await world.order(product)
    await world.pay(placed)
    world.clock.advance(timedelta(minutes=4, seconds=59))

    early = await overview(world).execute()
    world.clock.advance(timedelta(seconds=2))
    late = await overview(world).execute()
    assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FULFILLED
    done = await overview(world).execute()

    assert early.paid_not_fulfilled.count == 0
    assert late.paid_not_fulfilled.count == 1
    [mark] = late.paid_not_fulfilled.orders
    assert mark.order_id == placed.order.id
    assert world.clock.now() - mark.at > timedelta(minutes=5)
    assert late.fulfillment_backlog.count == 1
    assert (done.paid_not_fulfilled.count, done.fulfillment_backlog.count) == (0, 0)
    # Its "order received" email (owed when it was placed, and not sent: nothing sends here) and its
    # delivery email.
    assert done.email_backlog.pending == 2
    assert done.email_backlog.oldest_pending_at == placed_at
    assert done.today == {OrderStatus.FULFILLED: 1}


async def test_failed_orders_newest_first_and_counted(world: World) -> None:
    product = await world.product(keys=["ONLY-ONE"])
    rival, first, second = [await world.order(product) for _ in range(3)]
    for placed in (rival, first, second):
        await world.pay(placed)
    assert await world.fulfill_use_case().execute(rival.order.id) is FulfillOutcome.FULFILLED
    for placed in (first, second):
        world.clock.advance(timedelta(minutes=1))
        assert await world.fulfill_use_case().execute(placed.order.id) is FulfillOutcome.FAILED

    view = await overview(world).execute()

    assert view.failed.count == 2
    assert [m.order_id for m in view.failed.orders] == [second.order.id, first.order.id]
    assert (view.needs_attention.count, view.needs_attention.orders) == (0, [])
    assert view.today == {OrderStatus.FULFILLED: 1, OrderStatus.FAILED: 2}


async def test_today_starts_at_midnight_utc_and_the_week_keeps_seven_days(world: World) -> None:
    product = await world.product(keys=["K-1", "K-2"])
    await world.order(product)  # 2026-01-01 12:00 UTC
    world.clock.advance(timedelta(hours=12))  # 2026-01-02 00:00 UTC
    await world.order(product)

    view = await overview(world).execute()
    world.clock.advance(timedelta(days=6, hours=12, seconds=1))  # the first is 7 days and 1 s old
    week_later = await overview(world).execute()

    assert view.today == {OrderStatus.AWAITING_PAYMENT: 1}
    assert view.last_7_days == {OrderStatus.AWAITING_PAYMENT: 2}
    assert week_later.today == {}
    assert week_later.last_7_days == {OrderStatus.AWAITING_PAYMENT: 1}


async def test_health_and_the_counts_other_readers_give(world: World) -> None:
    plain = await overview(world).execute()
    other = await overview(
        world, CountingExtras(reports=3, low=2), Probe("database"), Probe("storage", broken=True)
    ).execute()

    assert (plain.open_key_reports, plain.low_stock_products) == (0, 0)
    assert (plain.health.ok, plain.health.checks) == (True, {"database": "ok"})
    assert (other.open_key_reports, other.low_stock_products) == (3, 2)
    assert (other.health.ok, other.health.checks) == (False, {"database": "ok", "storage": "error"})
    assert other.at == world.clock.now()
