"""docs/reliability.md under more faults, each on real processes: after it, every paid order ends fulfilled
(or in an explicit failed state), no unit has two keys, and stock moved by exactly the units sold."""

import asyncio
import json
import secrets
import signal
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from redis.asyncio import Redis

from tests.e2e.cluster import Cluster, Shopper
from tests.e2e.conftest import MakeCluster
from tests.infra.seaweed import SeaweedS3
from tests.infra.tcp_proxy import tcp_proxy
from tests.support.log_lines import json_lines


async def started(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> tuple[Cluster, Shopper]:
    cluster = await make_cluster()
    cluster.start_api()
    return cluster, shopper_for(cluster)


async def one_key_per_unit(shop: Shopper, orders: list[dict[str, Any]], product_id: str, stock: int) -> None:
    revealed = await asyncio.gather(*(shop.reveal(order) for order in orders))
    keys = [key for order_keys in revealed for key in order_keys]
    assert len(keys) == len(orders)
    assert len(set(keys)) == len(keys), "a key went to two units"
    assert await shop.available(product_id) == stock - len(orders)


async def test_the_queue_flushed_after_enqueue_loses_no_order(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    cluster, shop = await started(make_cluster, shopper_for)
    product = await shop.product([f"F-{n}-{secrets.token_hex(3)}" for n in range(10)])
    orders = [await shop.order(product["id"]) for _ in range(5)]
    for order in orders:
        assert (await shop.pay(order)).status_code == 200
    async with Redis.from_url(cluster.env["BITLOOT_BROKER_URL"]) as redis:
        assert await redis.xlen(cluster.env["BITLOOT_QUEUE_NAME"]) == 5
        await redis.delete(cluster.env["BITLOOT_QUEUE_NAME"])  # every queued job is gone

    cluster.start_worker()
    await shop.wait_fulfilled(orders, within=60)
    await one_key_per_unit(shop, orders, product["id"], 10)


async def test_a_poison_message_on_the_queue_harms_nothing(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    cluster, shop = await started(make_cluster, shopper_for)
    cluster.start_worker()
    product = await shop.product([f"P-{n}-{secrets.token_hex(3)}" for n in range(4)])
    async with Redis.from_url(cluster.env["BITLOOT_BROKER_URL"]) as redis:
        for poison in (
            b"not json",
            b'{"task_name": "bitloot.fulfill_order", "args": [1, 2, 3]}',
            b"\xff" * 64,
            # Well-formed jobs with ids no order has: one PostgreSQL cannot even store (NUL), one huge.
            *(
                json.dumps(
                    {
                        "task_id": secrets.token_hex(8),
                        "task_name": "bitloot.fulfill_order",
                        "labels": {},
                        "args": [order_id],
                        "kwargs": {},
                    }
                ).encode()
                for order_id in ("bad\u0000id", "x" * 100_000)
            ),
        ):
            await redis.xadd(cluster.env["BITLOOT_QUEUE_NAME"], {b"data": poison})
    orders = [await shop.order(product["id"]) for _ in range(2)]
    for order in orders:
        assert (await shop.pay(order)).status_code == 200

    await shop.wait_fulfilled(orders, within=60)
    assert cluster.workers[0].poll() is None, "the worker died on a poison message"
    errors = [line for line in json_lines(cluster.log("worker-1")) if line["level"] == "ERROR"]
    assert errors == [], "a poison job reached the database"
    # The same ids over HTTP are bad input: a 4xx, never a 500.
    for path in ("/fulfillment/bad%00id/status", "/admin/orders/bad%00id"):
        assert (await shop.http.get(path, headers=cluster.admin)).status_code in {400, 404}
    await one_key_per_unit(shop, orders, product["id"], 4)


async def test_100_concurrent_duplicate_ipns_fulfill_once(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    cluster, shop = await started(make_cluster, shopper_for)
    cluster.start_worker()
    cluster.start_worker()
    product = await shop.product([f"D-{n}-{secrets.token_hex(3)}" for n in range(3)])
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order)

    answers = await asyncio.gather(
        *(shop.http.post("/payments/ipn", content=body, headers=headers) for _ in range(100))
    )
    assert {answer.status_code for answer in answers} == {200}
    await shop.wait_fulfilled([order], within=60)
    await one_key_per_unit(shop, [order], product["id"], 3)
    details = await shop.details(order)
    assert len(details["payments"]) == 1
    assert len(details["keys"]) == 1


async def test_s3_hanging_then_back_delays_fulfillment_and_loses_nothing(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper], seaweed: SeaweedS3
) -> None:
    cluster, shop = await started(make_cluster, shopper_for)
    cluster.start_worker()
    product = await shop.product([f"S-{n}-{secrets.token_hex(3)}" for n in range(4)])
    orders = [await shop.order(product["id"]) for _ in range(2)]

    seaweed.process.send_signal(signal.SIGSTOP)  # S3 accepts connections but never answers
    try:
        for order in orders:
            assert (await shop.pay(order)).status_code == 200
        await asyncio.sleep(4)
        health = await shop.http.get("/fulfillment/health")
        assert health.status_code == 503
        assert health.json()["checks"]["storage"] == "error"
        states = [(await shop.status(order))["status"] for order in orders]
        assert "fulfilled" not in states
    finally:
        seaweed.process.send_signal(signal.SIGCONT)

    await shop.wait_fulfilled(orders, within=90)
    await one_key_per_unit(shop, orders, product["id"], 4)


async def test_s3_unreachable_then_back_delays_fulfillment_and_loses_nothing(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper], seaweed: SeaweedS3
) -> None:
    s3 = urlsplit(seaweed.endpoint_url)
    assert s3.hostname is not None
    assert s3.port is not None
    async with tcp_proxy(s3.hostname, s3.port) as proxy:
        cluster = await make_cluster(s3_endpoint=proxy.url)
        cluster.start_api()
        shop = shopper_for(cluster)
        cluster.start_worker()
        product = await shop.product([f"U-{n}-{secrets.token_hex(3)}" for n in range(4)])
        orders = [await shop.order(product["id"]) for _ in range(2)]

        await proxy.refuse()  # S3 refuses every connection, and the open ones are cut
        for order in orders:
            assert (await shop.pay(order)).status_code == 200
        # The worker tries, its S3 client retries, then it gives the order up for a later retry.
        await cluster.wait_for_log("worker-1", "will retry after the lease expires", within=30)
        health = await shop.http.get("/fulfillment/health")
        assert health.status_code == 503
        assert health.json()["checks"]["storage"] == "error"
        states = {(await shop.status(order))["orderStatus"] for order in orders}
        assert states <= {"paid", "fulfilling"}, "an outage must delay an order, never fail it"

        await proxy.resume()
        await shop.wait_fulfilled(orders, within=60)
        await one_key_per_unit(shop, orders, product["id"], 4)
