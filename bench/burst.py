"""The burst: every order's IPN delivered twice (as NOWPayments retries do), both copies in one
shuffled batch posted by 50 client connections at once; then, from the database, when each order was
fulfilled.

Per order, the clock starts at the first send of either copy of its IPN and stops at
`orders.fulfilled_at`. Orders/s is the orders fulfilled over the time from the first IPN sent to the
last order fulfilled; the IPN answer latency is the HTTP response time of every POST."""

import asyncio
import random
import time
from dataclasses import dataclass

import aiohttp

from bench.report import NOT_MEASURED, percentile


@dataclass(frozen=True)
class Ipn:
    order_id: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Posted:
    order_id: str
    sent_at: float  # wall clock (time.time), comparable with the database's timestamps
    seconds: float
    status: int


@dataclass(frozen=True)
class BurstFigures:
    orders: int
    fulfilled: int
    orders_per_second: float
    p50_ms: float
    p99_ms: float
    answer_p99_ms: float
    failed_posts: int


def twice_shuffled(ipns: list[Ipn], seed: int | None = None) -> list[Ipn]:
    both = ipns * 2
    random.Random(seed).shuffle(both)  # noqa: S311 - an order of posts, not a secret
    return both


async def post_all(url: str, ipns: list[Ipn], connections: int = 50) -> list[Posted]:
    """POST every IPN, at most `connections` at a time, each on a connection of a pool of that size."""
    queue = list(reversed(ipns))
    posted: list[Posted] = []
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def client() -> None:
            while queue:
                ipn = queue.pop()
                sent_at, started = time.time(), time.perf_counter()
                async with session.post(url, data=ipn.body, headers=ipn.headers) as response:
                    await response.read()
                posted.append(Posted(ipn.order_id, sent_at, time.perf_counter() - started, response.status))

        await asyncio.gather(*(client() for _ in range(connections)))
    return posted


def figures(posted: list[Posted], fulfilled_at: dict[str, float]) -> BurstFigures:
    """The burst's figures from every POST and each fulfilled order's `fulfilled_at` (epoch seconds)."""
    first_sent: dict[str, float] = {}
    for post in posted:
        first_sent[post.order_id] = min(post.sent_at, first_sent.get(post.order_id, post.sent_at))
    done = {o: at for o, at in fulfilled_at.items() if o in first_sent}
    waits = [(at - first_sent[o]) * 1000 for o, at in done.items()]
    span = max(done.values()) - min(first_sent.values()) if done else 0.0
    return BurstFigures(
        orders=len(first_sent),
        fulfilled=len(done),
        orders_per_second=len(done) / span if span > 0 else NOT_MEASURED,
        p50_ms=percentile(waits, 0.5),
        p99_ms=percentile(waits, 0.99),
        answer_p99_ms=percentile([p.seconds * 1000 for p in posted], 0.99),
        failed_posts=sum(1 for p in posted if p.status != 200),
    )
