"""The shop's figures read from the database for the metrics (docs/metrics.md): orders by state,
the oldest paid order still waiting for its keys, the fulfilment outbox, the email outbox, and stock
by SKU. Read by a background loop every few seconds, never per scrape.

The figures the operator's overview also shows (the outbox, the emails, late paid orders) come from
the same reads (`OperationsOverview`), so a dashboard and the console agree."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.delivery_email import DeliveryEmailStatus
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import SupplierKind


@dataclass(frozen=True, slots=True)
class StockFigure:
    sku: str
    # Own stock: free units; a Kinguin product: the quantity Kinguin last reported.
    available: int
    # The threshold of a listed own-stock product; None for the others, which are never low.
    low_threshold: int | None


@dataclass(frozen=True, slots=True)
class ShopFigures:
    # Every state, those with no order at 0.
    orders: Mapping[OrderStatus, int]
    # 0 when no paid order waits.
    paid_unfulfilled_oldest_seconds: float
    outbox_open: int
    # Since the oldest open fulfilment request was last handed to the queue (or written); 0 when none.
    outbox_oldest_seconds: float
    # Pending and failed emails.
    emails: Mapping[DeliveryEmailStatus, int]
    stock: Sequence[StockFigure]


def _age(since: datetime | None, now: datetime) -> float:
    return 0.0 if since is None else max((now - since).total_seconds(), 0.0)


class MeasureShop:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self) -> ShopFigures:
        """A handful of grouped reads that only read (given a read-only unit of work, each is one
        statement of its own: gauges need not share one snapshot)."""
        now = self._clock.now()
        reads = self._uow.overview
        orders = await reads.count_in(list(OrderStatus))
        _, oldest_paid = await reads.paid_unfulfilled(now, 1)
        outbox = await reads.fulfillment_backlog()
        emails = await reads.email_backlog()
        products = await self._uow.products.list()
        await self._uow.rollback()
        return ShopFigures(
            orders={status: orders.get(status, 0) for status in OrderStatus},
            paid_unfulfilled_oldest_seconds=_age(oldest_paid[0].at if oldest_paid else None, now),
            outbox_open=outbox.count,
            outbox_oldest_seconds=_age(outbox.oldest_at, now),
            emails={DeliveryEmailStatus.PENDING: emails.pending, DeliveryEmailStatus.FAILED: emails.failed},
            stock=[
                StockFigure(
                    p.sku,
                    p.available,
                    p.low_stock_threshold if p.supplier is SupplierKind.STOCK and p.listed else None,
                )
                for p in products
            ],
        )
