"""Driving the shop under test: stocking products, placing orders, the burst, the steady rate and the
status reads, and reading from the database when orders were fulfilled."""

import asyncio
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from tests.e2e.cluster import Cluster, Shopper
from tests.factories.http import keys_body

from bench import processes
from bench.burst import BurstFigures, Ipn, figures, post_all, twice_shuffled
from bench.load import closed_loop

IMPORT_BATCH = 250


def libpq(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://")


def bench_shopper(cluster: Cluster) -> Shopper:
    """A `Shopper` that waits up to 2 minutes for an answer: the machine may be shared with other
    work meanwhile, and a timeout would end the whole run."""
    shop = Shopper(cluster)
    shop.http.timeout = httpx.Timeout(120)
    return shop


async def stocked_product(shop: Shopper, count: int) -> dict[str, Any]:
    """A product with `count` keys, imported 250 at a time: each key is sealed and stored, and a
    thousand at once can outlast a client's timeout on a busy machine."""
    product = await shop.product([])
    keys = [f"BENCH-{n}-{secrets.token_hex(4)}" for n in range(count)]
    for start in range(0, count, IMPORT_BATCH):
        imported = await shop.http.post(
            f"/admin/products/{product['id']}/keys",
            json=keys_body(keys[start : start + IMPORT_BATCH]),
            headers=shop.cluster.admin,
            timeout=120,
        )
        imported.raise_for_status()
    return product


async def stocked_products(shop: Shopper, products: int, keys_each: int) -> list[dict[str, Any]]:
    semaphore = asyncio.Semaphore(10)

    async def one() -> dict[str, Any]:
        async with semaphore:
            return await stocked_product(shop, keys_each)

    return list(await asyncio.gather(*(one() for _ in range(products))))


async def place(shop: Shopper, lines: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """One order per (product id, quantity), 20 at a time."""
    semaphore = asyncio.Semaphore(20)

    async def one(product_id: str, quantity: int) -> dict[str, Any]:
        async with semaphore:
            return await shop.order(product_id, quantity)

    return list(await asyncio.gather(*(one(p, q) for p, q in lines)))


async def wait_all_fulfilled(database_url: str, order_ids: list[str], within: float) -> dict[str, float]:
    """Each order's `fulfilled_at`, polled every 50 ms on one connection, asking only about the orders
    not seen fulfilled yet (a connection per poll cost PostgreSQL a backend each time, charged to the
    shop's CPU per order)."""
    deadline = time.monotonic() + within
    done: dict[str, float] = {}
    connection = await asyncpg.connect(libpq(database_url))
    try:
        while True:
            waiting = [order_id for order_id in order_ids if order_id not in done]
            rows = await connection.fetch(
                "SELECT id, fulfilled_at FROM orders WHERE id = ANY($1::text[]) AND status = 'fulfilled'",
                waiting,
            )
            done.update({row["id"]: row["fulfilled_at"].timestamp() for row in rows})
            if len(done) == len(order_ids) or time.monotonic() > deadline:
                return done
            await asyncio.sleep(0.05)
    finally:
        await connection.close()


@dataclass(frozen=True)
class Burst:
    figures: BurstFigures
    # CPU seconds of each process group from the first IPN sent to the last order fulfilled.
    cpu: dict[str, float]

    @property
    def cpu_ms_per_order(self) -> dict[str, float]:
        fulfilled = max(self.figures.fulfilled, 1)
        return {name: seconds * 1000 / fulfilled for name, seconds in self.cpu.items()}


async def burst(
    shop: Shopper,
    database_url: str,
    orders: list[dict[str, Any]],
    groups: Callable[[], Mapping[str, list[int]]],
) -> Burst:
    """Every order's IPN twice, shuffled, from 50 connections; `groups` names the processes whose
    CPU time the burst is charged."""
    ipns = []
    for order in orders:
        body, headers = shop.ipn(order)
        ipns.append(Ipn(order["id"], body, headers))
    ids = [o["id"] for o in orders]
    before = processes.sample(groups())
    posted = await post_all(f"{shop.cluster.base_url}/payments/ipn", twice_shuffled(ipns))
    done = await wait_all_fulfilled(database_url, ids, within=300)
    after = processes.sample(groups())
    return Burst(figures(posted, done), processes.cpu_seconds(before, after))


async def steady(shop: Shopper, database_url: str, orders: list[dict[str, Any]], rate: float) -> list[float]:
    """Open loop at `rate` IPNs per second; milliseconds from sending each IPN to its order's fulfilment."""
    sent: dict[str, float] = {}
    tasks = []
    for order in orders:
        body, headers = shop.ipn(order)
        sent[order["id"]] = time.time()
        tasks.append(asyncio.create_task(shop.http.post("/payments/ipn", content=body, headers=headers)))
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*tasks)
    done = await wait_all_fulfilled(database_url, list(sent), within=120)
    return sorted((done[i] - sent[i]) * 1000 for i in done)


async def status_reads(cluster: Cluster, orders: list[dict[str, Any]], seconds: float) -> float:
    reads = [
        (
            f"{cluster.base_url}/fulfillment/{o['id']}/status",
            {"Authorization": f"Bearer {o['accessToken']}"},
        )
        for o in orders[:200]
    ]
    return (await closed_loop(lambda i: reads[i % len(reads)], 50, seconds)).per_second
