"""The API's background loop that reads the database figures and the health checks into the gauges
every `BITLOOT_METRICS_EVERY_SECONDS`, so that a scrape of `/metrics` never queries anything.

Of the API's processes only one reads them at a time: the one holding a lock on a file in the shared
metrics folder. Should it die, the lock is free and another takes over at its next round; as the
gauges keep the latest value written by any process, the figures stay whole meanwhile."""

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from pathlib import Path

from dishka import AsyncContainer

from bitloot.adapters.metrics.prometheus import MULTIPROCESS_DIR_VARIABLE, PrometheusMetrics
from bitloot.application.use_cases.check_health import CheckHealth
from bitloot.application.use_cases.measure_shop import MeasureShop

log = logging.getLogger(__name__)

LOCK_FILE = "figures.lock"


class FiguresLock:
    """Held by one process of those sharing `folder` (all of them when there is no folder)."""

    def __init__(self, folder: Path | None) -> None:
        self._path = None if folder is None else folder / LOCK_FILE
        self._fd: int | None = None

    @classmethod
    def from_environment(cls) -> "FiguresLock":
        folder = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
        return cls(Path(folder) if folder else None)

    def held(self) -> bool:
        """True when this process holds the lock, taking it if it is free."""
        if self._path is None or self._fd is not None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


async def refresh_figures(container: AsyncContainer, metrics: PrometheusMetrics) -> None:
    """One round: the health checks, then the database figures; a failure of either leaves its
    gauges at their last values (`bitloot_figures_refreshed_timestamp_seconds` tells how old)."""
    try:
        metrics.show_health((await (await container.get(CheckHealth)).execute()).checks)
    except Exception:  # a health check reports its own failures; this is anything else
        log.warning("reading the health checks for the metrics failed", exc_info=True)
    try:
        async with container() as request:
            figures = await (await request.get(MeasureShop)).execute()
        metrics.show(figures, time.time())
    except Exception:  # the database may be down for a while: try again next round
        log.warning("reading the shop's figures for the metrics failed", exc_info=True)


async def refresh_figures_forever(
    container: AsyncContainer, every_seconds: float, stop: asyncio.Event, lock: FiguresLock
) -> None:
    metrics = await container.get(PrometheusMetrics)
    try:
        while not stop.is_set():
            if lock.held():
                await refresh_figures(container, metrics)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_seconds)
    finally:
        lock.release()
