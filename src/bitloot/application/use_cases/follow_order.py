"""The order page follows its order live (`/o/{token}/events`): the order's state, each time it
changes, until it stops moving or the watch ends; and the same state again now and then, so a quiet
stream still carries something (a proxy closes a connection idle for a minute or so).

Each look is one small read of the read side (`OrderProgressReader`), outside any transaction, so a
page left open holds no database connection between looks; a watch is bounded, so an open page costs
at most `max_looks` reads before the browser has to ask again."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bitloot.application.ports.clock import Clock
from bitloot.application.ports.links import OrderPageLinkSigner
from bitloot.application.ports.read_models import OrderProgressReader
from bitloot.application.use_cases.get_order_page import STILL_MOVING
from bitloot.domain.order_status import OrderStatus


@dataclass(frozen=True, slots=True)
class FollowSettings:
    every_seconds: float = 1.5
    # 400 looks 1.5 s apart: a watch lasts about 10 minutes.
    max_looks: int = 400
    # An unchanged state is reported again every this many looks (15 s).
    repeat_every: int = 10


class FollowOrder:
    def __init__(
        self, links: OrderPageLinkSigner, reader: OrderProgressReader, clock: Clock, settings: FollowSettings
    ) -> None:
        self._links = links
        self._reader = reader
        self._clock = clock
        self._settings = settings

    def watch(self, token: str) -> AsyncIterator[OrderStatus]:
        """The states of the order of a genuine, unexpired order page link: the current one first,
        then each change (and the unchanged one every `repeat_every` looks); it ends once the state
        stops moving (`STILL_MOVING`), or after `max_looks`. Raises `InvalidOrderPageLink` at once,
        before any read, for any other token."""
        order_id = self._links.resolve(token, self._clock.now())
        return self._states(order_id)

    async def _states(self, order_id: str) -> AsyncIterator[OrderStatus]:
        shown: OrderStatus | None = None
        for look in range(self._settings.max_looks):
            if look:
                await asyncio.sleep(self._settings.every_seconds)
            progress = await self._reader.progress(order_id)
            if progress is None:
                return
            if progress.status is not shown or look % self._settings.repeat_every == 0:
                shown = progress.status
                yield shown
            if shown not in STILL_MOVING:
                return
