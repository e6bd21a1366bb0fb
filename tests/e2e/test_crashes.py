"""docs/reliability.md under crashes: a worker SIGKILLed at each step leaves no order lost and no key doubled.

Only the faulty worker runs at first, so it is the one that takes the job and dies; a healthy worker
started afterwards must finish the order through the reconciler (lease 3 s, grace 2 s, every 1 s)."""

import asyncio
import secrets
import signal
import time
from collections.abc import Callable

import pytest

from tests.e2e.cluster import Cluster, Shopper
from tests.e2e.conftest import MakeCluster

FAULTS = [
    "tests.e2e.faults:KillBeforeSupplier",
    "tests.e2e.faults:KillBetweenSealAndCommit",
    "tests.e2e.faults:KillAfterCommitBeforeAck",
]
RECONCILER_PERIOD_SECONDS = 3 + 2 + 1  # lease + grace + round
EMAIL_LEASE_SECONDS = 3


async def delivery_emails(cluster: Cluster, order_id: str, within: float) -> int:
    """How many delivery emails the processes wrote for the order (the log email_sender's lines), once the
    first one is there or `within` seconds have passed; and a little longer, for a second one."""
    line = f"your order {order_id} is ready"
    deadline = time.monotonic() + within

    def count() -> int:
        return sum(cluster.log(name).count(line) for name in ("api", "faulty", "healthy"))

    while time.monotonic() < deadline:
        if count():
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(EMAIL_LEASE_SECONDS + 2)
    return count()


async def wait_for_exit(cluster: Cluster, name: str, within: float) -> int:
    worker = cluster.workers[0]
    deadline = time.monotonic() + within
    while worker.poll() is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"the faulty worker did not die:\n{cluster.log(name)[-3000:]}")
        await asyncio.sleep(0.1)
    return worker.returncode


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.rsplit(":", 1)[1])
async def test_a_worker_killed_mid_job_leaves_the_order_fulfilled_exactly_once(
    fault: str, make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    cluster = await make_cluster()
    cluster.start_api()
    cluster.start_worker(fault, name="faulty")
    shop = shopper_for(cluster)
    keys = [f"CRASH-{n}-{secrets.token_hex(4)}" for n in range(5)]
    product = await shop.product(keys)
    order = await shop.order(product["id"], 2)
    assert (await shop.pay(order)).status_code == 200

    assert await wait_for_exit(cluster, "faulty", within=30) == -signal.SIGKILL
    started = time.monotonic()
    cluster.start_worker(name="healthy")
    await shop.wait_fulfilled([order], within=RECONCILER_PERIOD_SECONDS + 20)
    recovered_in = time.monotonic() - started

    revealed = await shop.reveal(order)
    assert len(revealed) == 2
    assert len(set(revealed)) == 2
    assert set(revealed) <= set(keys)
    assert await shop.available(product["id"]) == 3, "a stock unit was taken twice"
    details = await shop.details(order)
    assert len(details["keys"]) == 2
    assert recovered_in < RECONCILER_PERIOD_SECONDS + 20
    # The email owed from the fulfilment's commit goes out once, whoever died before sending it.
    assert await delivery_emails(cluster, order["id"], within=EMAIL_LEASE_SECONDS + 15) == 1
