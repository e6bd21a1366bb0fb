"""MeasureShop (docs/metrics.md): the figures the metrics read from the database, and that they are the
console overview's own numbers where the overview shows them."""

from datetime import timedelta

from bitloot.application.use_cases.check_health import CheckHealth
from bitloot.application.use_cases.get_overview import GetOverview, StoredExtras
from bitloot.application.use_cases.measure_shop import MeasureShop, StockFigure
from bitloot.domain.delivery_email import DeliveryEmailStatus
from bitloot.domain.order_status import OrderStatus
from tests.unit.conftest import World


async def test_the_figures_count_every_state_the_waiting_paid_order_the_outbox_and_stock(
    world: World,
) -> None:
    product = await world.product(keys=["K-1", "K-2", "K-3"])
    waiting = await world.order(product)
    await world.pay(waiting)
    world.queue.unavailable = True
    stuck = await world.order(product)
    await world.pay(stuck)  # recorded, but the queue is down: it stays in the outbox
    await world.order(product)
    world.clock.advance(timedelta(seconds=90))

    figures = await MeasureShop(world.uow(), world.clock).execute()

    assert set(figures.orders) == set(OrderStatus)
    assert figures.orders[OrderStatus.PAID] == 2
    assert figures.orders[OrderStatus.AWAITING_PAYMENT] == 1
    assert sum(figures.orders.values()) == 3
    assert figures.paid_unfulfilled_oldest_seconds == 90.0
    assert figures.outbox_open == 2
    assert figures.outbox_oldest_seconds == 90.0
    assert figures.emails[DeliveryEmailStatus.FAILED] == 0
    assert figures.stock == [StockFigure(product.sku, 3, product.low_stock_threshold)]


async def test_an_idle_shop_measures_zero_everywhere(world: World) -> None:
    figures = await MeasureShop(world.uow(), world.clock).execute()

    assert set(figures.orders.values()) == {0}
    assert figures.paid_unfulfilled_oldest_seconds == 0.0
    assert (figures.outbox_open, figures.outbox_oldest_seconds) == (0, 0.0)
    assert figures.stock == []


async def test_the_figures_the_console_overview_shows_are_the_same_numbers(world: World) -> None:
    product = await world.product(keys=["K-1", "K-2"])
    world.queue.unavailable = True
    for _ in range(2):
        await world.pay(await world.order(product))
    world.clock.advance(timedelta(minutes=7))

    figures = await MeasureShop(world.uow(), world.clock).execute()
    view = await GetOverview(
        world.uow(), CheckHealth([], world.clock), world.clock, StoredExtras(world.uow())
    ).execute()

    assert figures.outbox_open == view.fulfillment_backlog.count == 2
    assert view.fulfillment_backlog.oldest_at is not None
    assert figures.outbox_oldest_seconds == (view.at - view.fulfillment_backlog.oldest_at).total_seconds()
    assert figures.emails[DeliveryEmailStatus.PENDING] == view.email_backlog.pending
    assert figures.emails[DeliveryEmailStatus.FAILED] == view.email_backlog.failed
    assert view.paid_not_fulfilled.count == 2
    oldest = view.paid_not_fulfilled.orders[0].at
    assert figures.paid_unfulfilled_oldest_seconds == (view.at - oldest).total_seconds()
