"""`just bench`: throughput and latency of a production-shaped BitLoot on this machine.

One API process and two workers on PostgreSQL, Redis and a SeaweedFS S3 server, all on this machine.
Every figure is printed beside a ceiling measured in the same run (Litestar hello-world on the same
server stack, with the same load generator), because absolute numbers move with the machine's load.
Targets (2 cores): >= 200 orders/s IPN -> fulfilled; p99 IPN -> fulfilled <= 250 ms at 50 orders/s;
status reads >= 2,000 req/s; each process under ~150 MB RSS.

Then the observability cost (`--no-observability-cost` skips it): the same shop restarted in turns
with metrics on and JSON logs (production) and with `BITLOOT_METRICS=off` and text logs, each turn
a burst of IPNs and a span of status reads (bench/observability_cost.py). Target: under 5%.
"""

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from tests.e2e.cluster import Cluster, Shopper, cluster_env, free_api_port
from tests.e2e.conftest import ensure_bucket
from tests.factories.http import keys_body
from tests.infra import postgres_server, redis_server
from tests.infra.ports import free_ports, wait_for_port
from tests.infra.seaweed import start_seaweed
from tests.providers.nowpayments_server import running_nowpayments

from bench.load import closed_loop
from bench.observability_cost import BARE, OBSERVED, Figures, Variant, cost_table, turns


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (granian serves from a child process)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for each in pids:
        status = Path(f"/proc/{each}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total = max(total, int(line.split()[1]))
    return total / 1024


def cpu_seconds(cluster: Cluster) -> float:
    """CPU time used so far by the API (granian and its worker process) and the job workers: unlike
    throughput, it barely moves when other work shares the machine."""
    pids = [p.pid for p in [*([cluster.api] if cluster.api else []), *cluster.workers]]
    if cluster.api:
        children = Path(f"/proc/{cluster.api.pid}/task/{cluster.api.pid}/children")
        pids += [int(p) for p in children.read_text().split()] if children.exists() else []
    ticks = 0
    for pid in pids:
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists():
            fields = stat.read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


async def ceiling(seconds: float, connections: int) -> float:
    (port,) = free_ports(1)
    server = subprocess.Popen(  # noqa: S603, ASYNC220 - fixed arguments; started once, before measuring
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--loop",
            "uvloop",
            "--port",
            str(port),
            "--no-ws",
            "bench.ceiling_app:app",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, 20)
        await asyncio.sleep(0.5)
        result = await closed_loop(lambda _: (f"http://127.0.0.1:{port}/hello", {}), connections, seconds)
        return result.per_second
    finally:
        server.terminate()
        server.wait()


async def database_times(database_url: str, order_ids: list[str]) -> dict[str, float]:
    url = database_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT id, fulfilled_at FROM orders WHERE id = ANY($1::text[]) AND status = 'fulfilled'",
            order_ids,
        )
    finally:
        await connection.close()
    return {row["id"]: row["fulfilled_at"].timestamp() for row in rows}


async def wait_all_fulfilled(database_url: str, order_ids: list[str], within: float) -> dict[str, float]:
    deadline = time.monotonic() + within
    while True:
        done = await database_times(database_url, order_ids)
        if len(done) == len(order_ids) or time.monotonic() > deadline:
            return done
        await asyncio.sleep(0.05)


async def place(shop: Shopper, product_id: str, count: int) -> list[dict[str, Any]]:
    semaphore = asyncio.Semaphore(20)

    async def one() -> dict[str, Any]:
        async with semaphore:
            return await shop.order(product_id)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def stocked_product(shop: Shopper, count: int) -> dict[str, Any]:
    """A product with `count` keys, imported 250 at a time: each key is sealed and stored, and a
    thousand at once can outlast a client's timeout on a busy machine."""
    product = await shop.product([])
    keys = [f"BENCH-{n}-{secrets.token_hex(4)}" for n in range(count)]
    for start in range(0, count, 250):
        imported = await shop.http.post(
            f"/admin/products/{product['id']}/keys",
            json=keys_body(keys[start : start + 250]),
            headers=shop.cluster.admin,
            timeout=120,
        )
        imported.raise_for_status()
    return product


async def throughput(shop: Shopper, database_url: str, orders: list[dict[str, Any]]) -> float:
    """Post every IPN as fast as 50 clients can; orders/s from the first IPN to the last fulfilment."""
    signed = [shop.ipn(order) for order in orders]
    semaphore = asyncio.Semaphore(50)

    async def post(body: bytes, headers: dict[str, str]) -> None:
        async with semaphore:
            (await shop.http.post("/payments/ipn", content=body, headers=headers)).raise_for_status()

    started = time.time()
    await asyncio.gather(*(post(body, headers) for body, headers in signed))
    done = await wait_all_fulfilled(database_url, [o["id"] for o in orders], within=300)
    return len(done) / (max(done.values()) - started)


async def latency(shop: Shopper, database_url: str, orders: list[dict[str, Any]], rate: float) -> list[float]:
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


def bench_shopper(cluster: Cluster) -> Shopper:
    """A `Shopper` that waits up to 2 minutes for an answer: the machine may be shared with other
    work meanwhile, and a timeout would end the whole run."""
    shop = Shopper(cluster)
    shop.http.timeout = httpx.Timeout(120)
    return shop


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


async def status_reads(cluster: Cluster, orders: list[dict[str, Any]], seconds: float) -> float:
    reads = [
        (
            f"{cluster.base_url}/fulfillment/{o['id']}/status",
            {"Authorization": f"Bearer {o['accessToken']}"},
        )
        for o in orders[:200]
    ]
    return (await closed_loop(lambda i: reads[i % len(reads)], 50, seconds)).per_second


async def cost_turn(
    env: dict[str, str],
    directory: Path,
    database_url: str,
    variant: Variant,
    product_id: str,
    count: int,
    seconds: float,
) -> Figures:
    """One turn of the observability comparison: the API and two workers started with `variant`'s
    settings on the same services, `count` orders placed, then measured as in the main run."""
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    port = free_api_port()
    turn_env = {**env, **variant.env, "BITLOOT_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    cluster = Cluster(env=turn_env, directory=directory, api_port=port)
    shop = bench_shopper(cluster)
    try:
        cluster.start_api()
        cluster.start_worker()
        cluster.start_worker()
        for name in ("worker-1", "worker-2"):
            await cluster.wait_for_log(name, "worker started", within=60)
        orders = await place(shop, product_id, count)
        before = cpu_seconds(cluster)
        per_second = await throughput(shop, database_url, orders)
        between = cpu_seconds(cluster)
        started = time.perf_counter()
        status = await status_reads(cluster, orders, seconds)
        reads = status * (time.perf_counter() - started)
        after = cpu_seconds(cluster)
    finally:
        await shop.close()
        cluster.stop()
    return Figures(
        orders_per_second=per_second,
        reads_per_second=status,
        cpu_ms_per_order=(between - before) * 1000 / count,
        cpu_ms_per_read=(after - between) * 1000 / max(reads, 1),
    )


async def observability_cost(
    env: dict[str, str],
    directory: Path,
    database_url: str,
    schedule: list[Variant],
    product_id: str,
    count: int,
    seconds: float,
) -> list[tuple[Variant, Figures]]:
    results: list[tuple[Variant, Figures]] = []
    for n, variant in enumerate(schedule):
        print(
            f"observability cost, turn {n + 1}/{len(schedule)} ({variant.name}): "
            f"{count} IPNs, then status reads {seconds:.0f} s ...",
            flush=True,
        )
        figures = await cost_turn(
            env, directory / f"cost-{n + 1}", database_url, variant, product_id, count, seconds
        )
        results.append((variant, figures))
    return results


async def main(scale: float, cost_turns: int) -> None:
    seconds = 5 * scale
    print(f"ceiling: Litestar hello-world on granian+uvloop, 50 connections, {seconds:.0f} s ...", flush=True)
    hello = await ceiling(seconds, 50)
    seaweed = start_seaweed()
    servers = ExitStack()
    nowpayments = servers.enter_context(running_nowpayments())
    server_url = postgres_server.DEFAULT_SERVER
    redis_url = redis_server.DEFAULT_URL
    database_url = await postgres_server.create_database(server_url)
    bucket = f"bitloot-bench-{secrets.token_hex(4)}"
    await ensure_bucket(seaweed, bucket)
    directory = Path(tempfile.mkdtemp(prefix="bitloot-bench-"))
    port = free_api_port()
    env = cluster_env(
        database_url=database_url,
        redis_url=redis_url,
        queue_name=f"bitloot-bench:{secrets.token_hex(4)}",
        s3_endpoint=seaweed.endpoint_url,
        s3_key=seaweed.access_key_id,
        s3_secret=seaweed.secret_access_key,
        bucket=bucket,
        data_dir=directory,
        api_port=port,
        tuning={"BITLOOT_LEASE_SECONDS": "60", "BITLOOT_RECONCILE_GRACE_SECONDS": "30"},
        nowpayments_url=nowpayments.base_url,
        nowpayments_api_key=nowpayments.api_key,
    )
    cluster = Cluster(env=env, directory=directory, api_port=port)
    cluster.migrate()
    cluster.start_api()
    cluster.start_worker()
    cluster.start_worker()
    shop = bench_shopper(cluster)
    try:
        count = int(600 * scale)
        slow = int(250 * scale)
        cost_count = int(200 * scale)
        schedule = turns(cost_turns)
        keys = count + slow + cost_count * len(schedule) + 10
        product = await stocked_product(shop, keys)
        orders = await place(shop, product["id"], count)
        print(f"throughput: {count} IPNs as fast as 50 clients post them ...", flush=True)
        per_second = await throughput(shop, database_url, orders)

        print(f"status reads: 50 connections, {seconds:.0f} s ...", flush=True)
        status = await status_reads(cluster, orders, seconds)

        later = await place(shop, product["id"], slow)
        print(f"latency: {slow} IPNs at 50/s ...", flush=True)
        millis = await latency(shop, database_url, later, rate=50)
        memory = {"api": rss_mb(cluster.api.pid)} if cluster.api else {}
        memory.update({f"worker {n + 1}": rss_mb(w.pid) for n, w in enumerate(cluster.workers)})
        await shop.close()
        cluster.stop()

        cost = await observability_cost(
            env, directory, database_url, schedule, product["id"], cost_count, seconds
        )
    finally:
        await shop.close()
        cluster.stop()
        seaweed.stop()
        servers.close()
        await postgres_server.drop_database(database_url)
    report(hello, status, per_second, millis, memory, cost)


def report(
    hello: float,
    status: float,
    per_second: float,
    millis: list[float],
    memory: dict[str, float],
    cost: list[tuple[Variant, Figures]],
) -> None:
    print()
    print(f"{'measure':<42}{'value':>12}{'target':>12}{'vs ceiling':>12}")
    print(f"{'ceiling: hello-world req/s':<42}{hello:>12,.0f}{'':>12}{'1.00':>12}")
    print(f"{'status reads req/s':<42}{status:>12,.0f}{'>= 2,000':>12}{status / hello:>12.3f}")
    print(f"{'orders/s, IPN -> fulfilled':<42}{per_second:>12,.1f}{'>= 200':>12}{per_second / hello:>12.4f}")
    print(f"{'p50 ms IPN -> fulfilled at 50/s':<42}{percentile(millis, 0.5):>12,.0f}{'':>12}")
    print(f"{'p99 ms IPN -> fulfilled at 50/s':<42}{percentile(millis, 0.99):>12,.0f}{'<= 250':>12}")
    for name, mb in memory.items():
        print(f"{'RSS MB ' + name:<42}{mb:>12,.0f}{'< ~150':>12}")
    if cost:
        print()
        print(cost_table(cost, OBSERVED, BARE))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply durations and counts (0.2 = quick)"
    )
    parser.add_argument(
        "--no-observability-cost",
        action="store_true",
        help="skip the turns with metrics and JSON logs on and off (about half the run)",
    )
    parser.add_argument(
        "--cost-turns",
        type=int,
        default=2,
        help="turns of each configuration in the observability comparison (default 2: on, off, off, on)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.scale, 0 if args.no_observability_cost else args.cost_turns))
