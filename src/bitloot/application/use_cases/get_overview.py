"""The operator's overview (docs/console.md): what needs a look now, from a handful of grouped reads.

`open key reports` and `low stock products` are filled by optional readers that other parts of the
console provide (`OverviewExtras`); without them they stay None ("not counted here")."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bitloot.application.ports.clock import Clock
from bitloot.application.ports.operations_overview import Backlog, EmailBacklog, OrderMark
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.use_cases.check_health import CheckHealth, HealthReport
from bitloot.domain.order_status import OrderStatus

# A paid order not fulfilled within this is late (docs/console.md).
LATE_AFTER = timedelta(minutes=5)
FEW = 5


@dataclass(frozen=True, slots=True)
class Listed:
    """How many, and a few of them (ids with the time they are listed by)."""

    count: int
    orders: Sequence[OrderMark]


@dataclass(frozen=True, slots=True)
class Overview:
    at: datetime
    # Orders created since midnight UTC today, and over the last 7 days, by current state.
    today: Mapping[OrderStatus, int]
    last_7_days: Mapping[OrderStatus, int]
    # Paid more than 5 minutes ago and not fulfilled: the oldest few.
    paid_not_fulfilled: Listed
    # Failed: the most recently failed few. Held for the operator: the most recent few.
    failed: Listed
    needs_attention: Listed
    fulfillment_backlog: Backlog
    email_backlog: EmailBacklog
    health: HealthReport
    # Filled by optional readers (`OverviewExtras`); None when none is wired.
    open_key_reports: int | None = None
    low_stock_products: int | None = None


class OverviewExtras(Protocol):
    """What other parts of the console count for the overview; each may answer None."""

    async def open_key_reports(self) -> int | None: ...

    async def low_stock_products(self) -> int | None: ...


class StoredExtras:
    """The counts as the unit of work holds them: open key reports, listed products low on stock."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def open_key_reports(self) -> int | None:
        return await self._uow.key_reports.count_open()

    async def low_stock_products(self) -> int | None:
        return len(await self._uow.products.low_stock())


class GetOverview:
    def __init__(self, uow: UnitOfWork, health: CheckHealth, clock: Clock, extras: OverviewExtras) -> None:
        self._uow = uow
        self._health = health
        self._clock = clock
        self._extras = extras

    async def execute(self) -> Overview:
        now = self._clock.now()
        midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        reads = self._uow.overview
        today = await reads.created_per_status(midnight)
        week = await reads.created_per_status(now - timedelta(days=7))
        late_count, late = await reads.paid_unfulfilled(now - LATE_AFTER, FEW)
        held = await reads.count_in((OrderStatus.FAILED, OrderStatus.NEEDS_ATTENTION))
        failed = await reads.latest_in(OrderStatus.FAILED, FEW)
        needs_attention = await reads.latest_in(OrderStatus.NEEDS_ATTENTION, FEW)
        requests = await reads.fulfillment_backlog()
        emails = await reads.email_backlog()
        await self._uow.rollback()
        return Overview(
            at=now,
            today=dict(today),
            last_7_days=dict(week),
            paid_not_fulfilled=Listed(late_count, late),
            failed=Listed(held.get(OrderStatus.FAILED, 0), failed),
            needs_attention=Listed(held.get(OrderStatus.NEEDS_ATTENTION, 0), needs_attention),
            fulfillment_backlog=requests,
            email_backlog=emails,
            health=await self._health.execute(),
            open_key_reports=await self._extras.open_key_reports(),
            low_stock_products=await self._extras.low_stock_products(),
        )
