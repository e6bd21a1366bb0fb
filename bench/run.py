"""`just bench`: issue 14's figures for a production-shaped BitLoot on this machine, each beside its
target and a ceiling measured in the same run.

One API (`bitloot serve` with one granian worker per core, `--api-workers`) and two workers on
PostgreSQL, Redis and a SeaweedFS S3 server, all on this machine; the load generator is this process.
Ceilings, measured first: Litestar hello-world and Litestar + asyncpg fetching one row by primary key
(bench/row_ceiling_app.py), both on granian with the API's workers and driven by the same load
generator; pgbench TPC-B (`-i -s 10` into a throwaway database on the same server, then `-c 16 -j 2`;
not measured without a pgbench binary). Then, on the shop (targets for 2 cores, issue 14):

- burst of 200 orders, each IPN posted twice (both copies in one shuffled batch, 50 connections):
  orders/s IPN -> fulfilled (>= 300 and >= 0.15x pgbench TPS), p99 from an order's first IPN sent to
  its `fulfilled_at` (<= 1 s), p99 HTTP answer of every IPN POST (<= 50 ms);
- CPU time per fulfilled order over that burst (first IPN sent to last order fulfilled), from
  /proc/<pid>/stat, per process group: the API (granian and its workers), the two workers,
  PostgreSQL (the server's processes and the bench database's backends), redis-server and SeaweedFS;
  the load generator is not counted. Total <= 6 ms;
- status reads/s from 50 connections (>= 3,500 and >= 0.6x the asyncpg ceiling);
- p50 and p99 IPN -> fulfilled at a steady 50 orders/s (p99 <= 50 ms);
- RSS of each API process and worker (<= 100 MB) and their sum (<= 300 MB).

`--preload N` first writes N fulfilled orders and N stock units straight into PostgreSQL
(bench/preload.py) and prints how long that took; `--growth` adds the growth table
(bench/growth.py: keys per order, products, orders in the database); `--scale 0.2` is a quick look.

Then the observability cost (`--no-observability-cost` skips it): the same shop restarted in turns
with metrics on and JSON logs (production) and with `BITLOOT_METRICS=off` and text logs, each turn
a burst of IPNs and a span of status reads (bench/observability_cost.py). Target: under 5%.
"""

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.cluster import Cluster, Shopper, cluster_env, free_api_port
from tests.e2e.conftest import ensure_bucket
from tests.infra import postgres_server, redis_server
from tests.infra.seaweed import SeaweedS3, start_seaweed
from tests.providers.nowpayments_server import running_nowpayments

from bench import ceilings, growth, processes
from bench.observability_cost import BARE, OBSERVED, Figures, Variant, cost_table, turns
from bench.pgbench import pgbench_tps
from bench.preload import preload
from bench.report import Row, at_least, at_most, beside, percentile, ratio, table
from bench.shop import Burst, bench_shopper, burst, libpq, place, status_reads, steady, stocked_product

GROUPS = ("API", "workers", "PostgreSQL", "Redis", "SeaweedFS")


def process_groups(cluster: Cluster, seaweed: SeaweedS3, database: str) -> dict[str, list[int]]:
    """Every process a fulfilled order costs, by group (bench/processes.py), as they are now."""
    return {
        "API": processes.descendants(cluster.api.pid) if cluster.api else [],
        "workers": [pid for w in cluster.workers for pid in processes.descendants(w.pid)],
        "PostgreSQL": processes.postgres_processes(database),
        "Redis": processes.named("redis-server"),
        "SeaweedFS": processes.descendants(seaweed.process.pid),
    }


def memory(cluster: Cluster) -> dict[str, float]:
    """RSS of each of our processes: the API's granian main process and each of its workers, and
    each job worker."""
    found: dict[str, float] = {}
    if cluster.api:
        api, *children = processes.descendants(cluster.api.pid)
        found["API main"] = processes.rss_mb(api)
        found.update({f"API worker {n + 1}": processes.rss_mb(c) for n, c in enumerate(children)})
    for n, worker in enumerate(cluster.workers):
        found[f"worker {n + 1}"] = sum(processes.rss_mb(p) for p in processes.descendants(worker.pid))
    return found


def cpu_seconds(cluster: Cluster) -> float:
    """CPU time so far of the API and the job workers (the observability cost's CPU rows)."""
    pids = [
        p
        for proc in [*([cluster.api] if cluster.api else []), *cluster.workers]
        for p in processes.descendants(proc.pid)
    ]
    return sum(processes.ticks(pids).values()) / os.sysconf("SC_CLK_TCK")


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
        orders = await place(shop, [(product_id, 1)] * count)
        before = cpu_seconds(cluster)
        measured = await burst(shop, database_url, orders, lambda: {})
        between = cpu_seconds(cluster)
        started = time.perf_counter()
        status = await status_reads(cluster, orders, seconds)
        reads = status * (time.perf_counter() - started)
        after = cpu_seconds(cluster)
    finally:
        await shop.close()
        cluster.stop()
    return Figures(
        orders_per_second=measured.figures.orders_per_second,
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
            f"{count} orders (each IPN twice), then status reads {seconds:.0f} s ...",
            flush=True,
        )
        figures = await cost_turn(
            env, directory / f"cost-{n + 1}", database_url, variant, product_id, count, seconds
        )
        results.append((variant, figures))
    return results


def rows(
    *,
    hello: float,
    one_row: float,
    tps: float,
    measured: Burst,
    status: float,
    millis: list[float],
    rss: dict[str, float],
) -> list[Row]:
    """The final table: issue 14's figures, each with its target and ceiling."""
    f = measured.figures
    cpu = measured.cpu_ms_per_order
    total_cpu = sum(cpu.values())
    ours = sum(rss.values())
    return [
        Row("ceiling: hello-world req/s", hello),
        Row("ceiling: Litestar + asyncpg one-row req/s", one_row),
        Row("ceiling: pgbench TPC-B TPS (-c 16 -j 2)", tps),
        Row(
            f"orders/s IPN -> fulfilled, burst {f.orders} x2",
            f.orders_per_second,
            ",.1f",
            at_least(300),
            beside("pgbench", tps, f.orders_per_second),
        ),
        Row("orders/s burst / pgbench TPS", ratio(f.orders_per_second, tps), ".3f", at_least(0.15, ".2f")),
        Row("p99 ms IPN -> fulfilled, burst", f.p99_ms, ",.0f", at_most(1000)),
        Row("p50 ms IPN -> fulfilled, burst", f.p50_ms),
        Row(f"p99 ms IPN answer, burst ({f.failed_posts} not 200)", f.answer_p99_ms, ",.1f", at_most(50)),
        *(Row(f"CPU ms/order, {name}", cpu.get(name, 0.0), ",.2f") for name in GROUPS),
        Row("CPU ms/order, all processes", total_cpu, ",.2f", at_most(6)),
        Row(
            "status reads req/s, 50 connections",
            status,
            ",.0f",
            at_least(3500),
            f"{beside('asyncpg', one_row, status)}; {beside('hello', hello, status)}",
        ),
        Row("status reads / asyncpg one-row ceiling", ratio(status, one_row), ".3f", at_least(0.6, ".1f")),
        Row("p50 ms IPN -> fulfilled at 50/s", percentile(millis, 0.5)),
        Row("p99 ms IPN -> fulfilled at 50/s", percentile(millis, 0.99), ",.0f", at_most(50)),
        *(Row(f"RSS MB {name}", mb, ",.0f", at_most(100)) for name, mb in rss.items()),
        Row("RSS MB, all our processes", ours, ",.0f", at_most(300)),
    ]


@dataclass
class Bench:
    """The services of one run (SeaweedFS, fake NOWPayments, a fresh database) and the shop on them."""

    seaweed: SeaweedS3
    servers: ExitStack
    database_url: str
    env: dict[str, str]
    directory: Path
    cluster: Cluster

    @property
    def database(self) -> str:
        return self.database_url.rpartition("/")[2]

    def groups(self) -> dict[str, list[int]]:
        return process_groups(self.cluster, self.seaweed, self.database)

    async def close(self) -> None:
        self.cluster.stop()
        self.seaweed.stop()
        self.servers.close()
        await postgres_server.drop_database(self.database_url)


async def start_bench(server_url: str) -> Bench:
    seaweed = start_seaweed()
    servers = ExitStack()
    nowpayments = servers.enter_context(running_nowpayments())
    database_url = await postgres_server.create_database(server_url)
    bucket = f"bitloot-bench-{secrets.token_hex(4)}"
    await ensure_bucket(seaweed, bucket)
    directory = Path(tempfile.mkdtemp(prefix="bitloot-bench-"))
    port = free_api_port()
    env = cluster_env(
        database_url=database_url,
        redis_url=redis_server.DEFAULT_URL,
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
    return Bench(seaweed, servers, database_url, env, directory, cluster)


@dataclass(frozen=True)
class Plan:
    """What one run does, from the command line."""

    seconds: float
    burst: int
    steady: int
    cost_count: int
    schedule: list[Variant]
    workers: int
    preload: int
    growth: bool
    growth_sizes: list[int]

    @classmethod
    def of(cls, args: argparse.Namespace) -> "Plan":
        scale: float = args.scale
        return cls(
            seconds=5 * scale,
            burst=max(10, int(200 * scale)),
            steady=max(10, int(250 * scale)),
            cost_count=max(10, int(200 * scale)),
            schedule=turns(0 if args.no_observability_cost else args.cost_turns),
            workers=args.api_workers,
            preload=args.preload,
            growth=args.growth,
            growth_sizes=args.growth_sizes,
        )


async def preloaded(bench: Bench, count: int) -> str:
    if not count:
        return "empty database"
    print(f"preload: {count:,} fulfilled orders and {count:,} stock units ...", flush=True)
    started = time.perf_counter()
    await preload(libpq(bench.database_url), count)
    took = f"{count:,} orders and {count:,} stock units preloaded in {time.perf_counter() - started:.0f} s"
    print(took, flush=True)
    return took


async def shop_rows(
    bench: Bench, plan: Plan, hello: float, tps: float
) -> tuple[list[Row], str, list[growth.Case]]:
    """The shop's figures (with the ceiling that needs the database), the product of the run, and the
    growth cases (`--growth`)."""
    cluster, shop = bench.cluster, bench_shopper(bench.cluster)
    try:
        cluster.start_api(workers=plan.workers)
        cluster.start_worker()
        cluster.start_worker()
        for name in ("worker-1", "worker-2"):
            await cluster.wait_for_log(name, "worker started", within=60)
        keys = plan.burst + plan.steady + plan.cost_count * len(plan.schedule) + 10
        print(f"stocking {keys} keys ...", flush=True)
        product = await stocked_product(shop, keys)
        orders = await place(shop, [(product["id"], 1)] * plan.burst)
        print(f"burst: {plan.burst} orders, each IPN twice, 50 connections ...", flush=True)
        measured = await burst(shop, bench.database_url, orders, bench.groups)

        print(f"ceiling: Litestar + asyncpg one row, {plan.workers} granian worker(s) ...", flush=True)
        one_row = await ceilings.one_row(
            libpq(bench.database_url), plan.workers, plan.seconds, dict(os.environ)
        )
        print(f"status reads: 50 connections, {plan.seconds:.0f} s ...", flush=True)
        status = await status_reads(cluster, orders, plan.seconds)

        later = await place(shop, [(product["id"], 1)] * plan.steady)
        print(f"steady: {plan.steady} IPNs at 50/s ...", flush=True)
        millis = await steady(shop, bench.database_url, later, rate=50)
        rss = memory(cluster)
        found = rows(
            hello=hello, one_row=one_row, tps=tps, measured=measured, status=status, millis=millis, rss=rss
        )
        grown = await growth_cases(bench, shop, plan) if plan.growth else []
        return found, product["id"], grown
    finally:
        await shop.close()
        cluster.stop()


async def growth_cases(bench: Bench, shop: Shopper, plan: Plan) -> list[growth.Case]:
    url = bench.database_url
    return [
        *await growth.keys_per_order(shop, url, bench.groups, plan.burst),
        *await growth.catalog_size(shop, url, bench.groups, plan.burst),
        *await growth.database_size(shop, url, bench.groups, plan.burst, plan.growth_sizes, plan.preload),
    ]


async def main(plan: Plan) -> None:
    server_url = postgres_server.DEFAULT_SERVER
    print(
        f"ceiling: Litestar hello-world, {plan.workers} granian worker(s), {plan.seconds:.0f} s ...",
        flush=True,
    )
    hello = await ceilings.hello_world(plan.workers, plan.seconds, dict(os.environ))
    print(f"ceiling: pgbench -i -s 10, then -c 16 -j 2 for {2 * plan.seconds:.0f} s ...", flush=True)
    tps = await pgbench_tps(server_url, 2 * plan.seconds)

    bench = await start_bench(server_url)
    try:
        bench.cluster.migrate()
        database = await preloaded(bench, plan.preload)
        found, product_id, grown = await shop_rows(bench, plan, hello, tps)
        cost = await observability_cost(
            bench.env,
            bench.directory,
            bench.database_url,
            plan.schedule,
            product_id,
            plan.cost_count,
            plan.seconds,
        )
    finally:
        await bench.close()
    print()
    print(f"{os.cpu_count()} cores; API with {plan.workers} granian worker(s), two workers; {database}")
    print(table(found))
    if grown:
        print()
        print(growth.growth_table(grown))
    if cost:
        print()
        print(cost_table(cost, OBSERVED, BARE))


def size(text: str) -> int:
    """`100000`, `100_000`, `100k`, `1M` -> a count."""
    text = text.strip().lower().replace("_", "").replace(",", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


def sizes(text: str) -> list[int]:
    """`0,100k,1M` -> [0, 100000, 1000000]."""
    return [size(part) for part in text.split(",")]


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply durations and counts (0.2 = quick)"
    )
    parser.add_argument(
        "--api-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="granian workers of the API and of the HTTP ceilings (default: one per core)",
    )
    parser.add_argument(
        "--preload",
        type=size,
        default=0,
        metavar="N",
        help="write N fulfilled orders and N stock units into the database before measuring (1M = a million)",
    )
    parser.add_argument(
        "--growth",
        action="store_true",
        help="add the growth table: orders of 1, 5, 20 keys; 10 vs 1,000 products; database sizes (long)",
    )
    parser.add_argument(
        "--growth-sizes",
        type=sizes,
        default=[0, 100_000, 1_000_000],
        help="orders in the database for the growth table (default 0,100k,1M; preloaded adding up)",
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
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(Plan.of(arguments())))
