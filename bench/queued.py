"""What the fulfilment workers alone can do: IPNs for `count` orders posted while no worker runs (their
jobs wait in Redis), then two workers started, timed and charged CPU from their start to the last order
fulfilled. The burst of `just bench` is limited by the API when the API saturates first; this is the
workers' own capacity, with their batches as full as a busy queue makes them (docs/reliability.md,
"Batches").

    uv run python -m bench.queued [--orders 400]
"""

import argparse
import asyncio
import time

from tests.infra import postgres_server

from bench import processes
from bench.run import process_groups, start_bench
from bench.shop import bench_shopper, place, stocked_product, wait_all_fulfilled

WORKERS = ("worker-1", "worker-2")


async def measure(count: int) -> None:
    bench = await start_bench(postgres_server.DEFAULT_SERVER)
    cluster, shop = bench.cluster, bench_shopper(bench.cluster)
    try:
        cluster.migrate()
        cluster.start_api()
        product = await stocked_product(shop, count + 10)
        orders = await place(shop, [(product["id"], 1)] * count)
        answers = await asyncio.gather(*(shop.pay(order) for order in orders))
        if {answer.status_code for answer in answers} != {200}:
            raise SystemExit("an IPN was refused")
        for _ in WORKERS:
            cluster.start_worker()
        for name in WORKERS:
            await cluster.wait_for_log(name, "worker started", within=60)
        groups = {
            name: pids
            for name, pids in process_groups(cluster, bench.seaweed, bench.database).items()
            if name != "API"
        }
        before = processes.sample(groups)
        started = time.perf_counter()
        await wait_all_fulfilled(bench.database_url, [o["id"] for o in orders], within=600)
        took = time.perf_counter() - started
        cpu = processes.cpu_seconds(before, processes.sample(groups))
        print(f"{count} queued orders fulfilled by two workers in {took:.2f} s: {count / took:.1f} orders/s")
        for name, seconds in cpu.items():
            print(f"  CPU ms/order, {name}: {seconds * 1000 / count:.2f}")
        print(f"  CPU ms/order, all but the API: {sum(cpu.values()) * 1000 / count:.2f}")
    finally:
        await shop.close()
        cluster.stop()
        await bench.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=400)
    asyncio.run(measure(parser.parse_args().orders))


if __name__ == "__main__":
    main()
