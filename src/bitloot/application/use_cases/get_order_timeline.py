"""The operator reads one order as a timeline (docs/console.md): every record about it, merged in
time order. Keys never appear, only their metadata."""

from collections.abc import Sequence
from dataclasses import dataclass

from bitloot.application.errors import NotFound
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.timeline_sources import TIMELINE_SOURCES
from bitloot.domain.order import Order
from bitloot.domain.order_timeline import TimelineEntry

STATES_NOTE = (
    "No history of state changes is stored: state entries are derived from payment records, "
    "fulfilment times and the order's current state."
)


@dataclass(frozen=True, slots=True)
class OrderTimeline:
    order: Order
    # Oldest first; entries of one instant in the order of `TIMELINE_SOURCES`.
    entries: Sequence[TimelineEntry]
    note: str = STATES_NOTE


class GetOrderTimeline:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, order_id: str) -> OrderTimeline:
        """Raises `NotFound` for an unknown order. One statement per source, whatever the order holds."""
        order = await self._uow.orders.get(order_id)
        if order is None:
            await self._uow.rollback()
            raise NotFound("No such order.")
        merged: list[tuple[int, int, TimelineEntry]] = []
        for rank, source in enumerate(TIMELINE_SOURCES):
            merged.extend((rank, n, entry) for n, entry in enumerate(await source(self._uow, order)))
        await self._uow.rollback()
        merged.sort(key=lambda ranked: (ranked[2].at, ranked[0], ranked[1]))
        return OrderTimeline(order, [entry for _, _, entry in merged])
