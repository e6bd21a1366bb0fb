"""Crash recovery in seconds (docs/reliability.md), with the shipped timings: a worker SIGKILLed while it
holds many jobs in flight has every one of its orders fulfilled by another worker within 15 s of the kill.

The stalling worker's supplier steps hang, so its jobs stay in flight, each with a live lease kept by
its heartbeat (nobody takes them over while it lives, however long past the first lease). Once it
is killed, the leases lapse within `BITLOOT_LEASE_SECONDS` and the healthy worker's reconciler
re-queues each order at its next round."""

import asyncio
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from tests.e2e.cluster import Cluster, Shopper
from tests.e2e.conftest import MakeCluster
from tests.e2e.stalls import STALLED_LINE
from tests.support.log_lines import json_lines

ORDERS = 12
RECOVERY_SECONDS = 15.0
# How long the stalling worker holds its jobs before it is killed: longer than any lease that can
# meet `RECOVERY_SECONDS` (the default is 10 s) plus a reconciler round, so that only the heartbeat
# keeps the orders its own meanwhile.
HOLD_SECONDS = 15.0
# Long enough to measure the old 2-minute lease, should it come back.
PATIENCE_SECONDS = 200.0


def fulfillments(cluster: Cluster, name: str) -> int:
    """How many orders the process fulfilled (the "order ... fulfilled" log lines of FulfillOrder and
    FulfillBatch; the stalling supplier's own lines are not logged records, so they are left out)."""
    logged = "\n".join(line for line in cluster.log(name).splitlines() if line.startswith("{"))
    return sum(
        1
        for line in json_lines(logged)
        if line["logger"].endswith((".fulfill_order", ".fulfill_batch"))
        and re.fullmatch(r"order \S+ fulfilled", line["message"])
    )


async def test_a_worker_killed_with_many_jobs_in_flight_has_its_orders_fulfilled_within_15_s(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    cluster = await make_cluster(fast_timings=False)
    cluster.start_api()
    stalling = cluster.start_worker("tests.e2e.stalls:StallInSupplier", name="stalling")
    shop = shopper_for(cluster)
    keys = [f"RECOVER-{n:03d}-{secrets.token_hex(4)}" for n in range(ORDERS * 2 + 10)]
    product = await shop.product(keys)
    quantities = [1 + n % 2 for n in range(ORDERS)]
    orders = await asyncio.gather(*(shop.order(product["id"], q) for q in quantities))
    answers = await asyncio.gather(*(shop.pay(order) for order in orders))
    assert {answer.status_code for answer in answers} == {200}

    # Every job holds its order's lease and hangs in the supplier step.
    await cluster.wait_for_log("stalling", STALLED_LINE, within=60, count=ORDERS)
    cluster.start_worker(name="healthy")
    await cluster.wait_for_log("healthy", "worker started", within=60)
    # Past the first lease and a few reconciler rounds, the living worker keeps them all.
    await asyncio.sleep(HOLD_SECONDS)
    states = await asyncio.gather(*(shop.status(order) for order in orders))
    assert [s["status"] for s in states if s["status"] == "fulfilled"] == [], (
        "a live worker's order was taken over"
    )

    stalling.kill()
    killed_at = time.time()
    await shop.wait_fulfilled(orders, within=PATIENCE_SECONDS)

    details = await asyncio.gather(*(shop.details(order) for order in orders))
    fulfilled_at = [datetime.fromisoformat(d["order"]["fulfilledAt"]).timestamp() for d in details]
    recovered_in = max(fulfilled_at) - killed_at
    print(f"\nlast of {ORDERS} orders fulfilled {recovered_in:.1f} s after the kill")
    assert recovered_in <= RECOVERY_SECONDS, (
        f"the last order was fulfilled {recovered_in:.1f} s after the kill"
    )
    assert fulfillments(cluster, "healthy") == ORDERS
    assert fulfillments(cluster, "stalling") == 0

    revealed = await asyncio.gather(*(shop.reveal(order) for order in orders))
    for order, order_keys, quantity in zip(orders, revealed, quantities, strict=True):
        assert len(order_keys) == quantity, order["id"]
    delivered = Counter(key for order_keys in revealed for key in order_keys)
    assert all(count == 1 for count in delivered.values()), "a key went to two units"
    assert set(delivered) <= set(keys)
    assert await shop.available(product["id"]) == len(keys) - sum(quantities), "stock moved wrongly"
    assert all(len(d["keys"]) == q for d, q in zip(details, quantities, strict=True))


async def test_a_worker_killed_half_a_second_into_a_burst_loses_no_order_for_more_than_15_s(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    """The finding of issue 9, as it was measured: 100 orders, two workers, one SIGKILLed 0.5 s after
    the IPNs start (the last order was fulfilled 125 s after its IPN with the 2-minute lease). Jobs it
    had leased come back when the lease lapses; jobs it had read from the stream but not yet leased
    come back after the grace for requests never picked up."""
    burst = 100
    cluster = await make_cluster(fast_timings=False)
    cluster.start_api()
    doomed = cluster.start_worker(name="doomed")
    cluster.start_worker(name="survivor")
    await cluster.wait_for_log("doomed", "worker started", within=60)
    await cluster.wait_for_log("survivor", "worker started", within=60)
    shop = shopper_for(cluster)
    keys = [f"BURST-{n:03d}-{secrets.token_hex(4)}" for n in range(burst)]
    product = await shop.product(keys)
    orders = [await shop.order(product["id"]) for _ in range(burst)]

    async def kill_soon() -> float:
        await asyncio.sleep(0.5)
        doomed.kill()
        return time.time()

    killer = asyncio.create_task(kill_soon())
    answers = await asyncio.gather(*(shop.pay(order) for order in orders))
    killed_at = await killer
    assert {answer.status_code for answer in answers} == {200}
    await shop.wait_fulfilled(orders, within=PATIENCE_SECONDS)

    details = await asyncio.gather(*(shop.details(order) for order in orders))
    fulfilled_at = [datetime.fromisoformat(d["order"]["fulfilledAt"]).timestamp() for d in details]
    recovered_in = max(fulfilled_at) - killed_at
    print(f"\nlast of {burst} orders fulfilled {recovered_in:.1f} s after the kill")
    assert recovered_in <= RECOVERY_SECONDS, (
        f"the last order was fulfilled {recovered_in:.1f} s after the kill"
    )
    revealed = await asyncio.gather(*(shop.reveal(order) for order in orders))
    delivered = Counter(key for order_keys in revealed for key in order_keys)
    assert sorted(delivered) == sorted(keys), "every unit got exactly one key, each key once"
    assert await shop.available(product["id"]) == 0
