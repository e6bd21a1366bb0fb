"""A small closed-loop HTTP load generator (aiohttp), used for the ceiling and the service alike, so
their ratio compares servers, not clients."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def closed_loop(
    request_for: Callable[[int], tuple[str, dict[str, str]]], connections: int, seconds: float
) -> LoadResult:
    """`connections` clients each send GETs back to back for `seconds`; request `i` goes to
    `request_for(i)`'s URL with its headers."""
    done = errors = 0
    stop_at = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client(n: int) -> None:
            nonlocal done, errors
            i = n
            while time.perf_counter() < stop_at:
                url, headers = request_for(i)
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    if response.status == 200:
                        done += 1
                    else:
                        errors += 1
                i += connections

        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(connections)))
        elapsed = time.perf_counter() - started
    return LoadResult(done, errors, elapsed)
