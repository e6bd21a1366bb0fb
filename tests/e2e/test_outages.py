"""docs/reliability.md under outages of the services around the API and workers."""

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from tests.e2e.cluster import Cluster, Shopper
from tests.e2e.conftest import MakeCluster
from tests.infra.postgres_server import ThrowawayPostgres, throwaway_postgres
from tests.infra.redis_server import ThrowawayRedis
from tests.support.log_lines import json_lines

EDGE_ID = "edge-ipn-while-redis-is-down"


@pytest.fixture
async def own_postgres() -> AsyncIterator[ThrowawayPostgres]:
    server = await asyncio.to_thread(throwaway_postgres)
    yield server
    await asyncio.to_thread(server.destroy)


async def test_an_ipn_while_redis_is_down_is_answered_and_fulfilled_once_redis_is_back(
    own_redis: ThrowawayRedis, make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    # The test sends from loopback, here in the role of the shop's load balancer.
    cluster = await make_cluster(broker_url=own_redis.url, tuning={"BITLOOT_TRUSTED_PROXIES": "127.0.0.1"})
    cluster.start_api()
    cluster.start_worker()
    shop = shopper_for(cluster)
    product = await shop.product([f"R-{n}-{secrets.token_hex(3)}" for n in range(3)])
    order = await shop.order(product["id"])

    own_redis.stop()
    body, headers = shop.ipn(order)
    answer = await shop.http.post("/payments/ipn", content=body, headers={**headers, "X-Request-ID": EDGE_ID})
    assert answer.status_code == 200, answer.text
    assert (await shop.status(order))["orderStatus"] == "paid"
    health = await shop.http.get("/fulfillment/health")
    assert health.status_code == 503
    assert health.json()["checks"]["queue"] == "error"

    own_redis.start()
    await shop.wait_fulfilled([order], within=30)
    assert len(await shop.reveal(order)) == 1
    assert await shop.available(product["id"]) == 2
    # The job the reconciler re-queued carries the IPN's request id into the worker's lines.
    await cluster.wait_for_log("worker-1", f"order {order['id']} fulfilled", within=30)
    worker = json_lines(cluster.log("worker-1"))
    (fulfilled,) = [line for line in worker if line["message"] == f"order {order['id']} fulfilled"]
    assert (fulfilled["request_id"], fulfilled["order_id"]) == (EDGE_ID, order["id"])


async def test_postgres_restarted_under_load_the_service_recovers_by_itself(
    own_postgres: ThrowawayPostgres, make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    cluster = await make_cluster(server_url=own_postgres.server_url)
    cluster.start_api()
    cluster.start_worker()
    shop = shopper_for(cluster)
    product = await shop.product([f"P-{n}-{secrets.token_hex(3)}" for n in range(80)])
    orders = [await shop.order(product["id"]) for _ in range(60)]
    refused: list[int] = []

    async def pay_until_accepted(order: dict[str, object]) -> None:
        """NOWPayments retries an IPN that was not answered 200; so does this."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status = (await shop.pay(order)).status_code
            except httpx.TransportError:
                status = 0
            if status == 200:
                return
            refused.append(status)
            await asyncio.sleep(0.2)
        raise AssertionError("an IPN was never accepted")

    async def restart_postgres() -> None:
        await asyncio.sleep(0.3)
        await asyncio.to_thread(own_postgres.stop, "immediate")
        await asyncio.sleep(1.0)
        await asyncio.to_thread(own_postgres.start)

    async def paced(order: dict[str, object], delay: float) -> None:
        await asyncio.sleep(delay)
        await pay_until_accepted(order)

    await asyncio.gather(restart_postgres(), *(paced(o, n * 0.04) for n, o in enumerate(orders)))
    await shop.wait_fulfilled(orders, within=60)
    assert refused, "the restart did not overlap the load: nothing was refused while it was down"
    assert all(status >= 500 or status == 0 for status in refused)
    assert cluster.api is not None
    assert cluster.api.poll() is None, "the API process had to restart"
    assert all(worker.poll() is None for worker in cluster.workers), "a worker had to restart"
    revealed = await asyncio.gather(*(shop.reveal(o) for o in orders))
    assert len({key for keys in revealed for key in keys}) == len(orders)
    assert await shop.available(product["id"]) == 80 - len(orders)


async def test_jobs_that_failed_while_postgres_was_down_are_redone_once_it_is_back(
    own_postgres: ThrowawayPostgres, make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    """Paid orders wait on the queue; a worker starts while PostgreSQL is down, so every job fails and
    every reconciler round too. Once PostgreSQL is back, the reconciler redoes them all."""
    cluster = await make_cluster(server_url=own_postgres.server_url)
    cluster.start_api()
    shop = shopper_for(cluster)
    product = await shop.product([f"J-{n}-{secrets.token_hex(3)}" for n in range(10)])
    orders = [await shop.order(product["id"]) for _ in range(8)]
    for order in orders:
        assert (await shop.pay(order)).status_code == 200

    await asyncio.to_thread(own_postgres.stop, "immediate")
    worker = cluster.start_worker()
    # Every job failed, however long the worker took to start.
    await cluster.wait_for_log("worker-1", "Exception found while executing", count=len(orders), within=60)
    await asyncio.sleep(2)  # and a reconciler round or two (every 1 s) failed as well
    await asyncio.to_thread(own_postgres.start)

    await shop.wait_fulfilled(orders, within=60)
    assert worker.poll() is None, "the worker had to restart"
    assert "reconciliation round failed" in cluster.log("worker-1"), "no round overlapped the outage"
    revealed = await asyncio.gather(*(shop.reveal(o) for o in orders))
    assert len({key for keys in revealed for key in keys}) == len(orders)
    assert await shop.available(product["id"]) == 10 - len(orders)
