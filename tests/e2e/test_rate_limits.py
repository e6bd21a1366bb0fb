"""Rate limits hold with two API processes behind the same store (Redis)."""

import secrets
from collections.abc import Callable

import httpx

from tests.e2e.cluster import Cluster, Shopper
from tests.e2e.conftest import MakeCluster


async def test_the_per_order_reveal_limit_counts_requests_to_both_api_processes(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    cluster = await make_cluster(tuning={"BITLOOT_REVEAL_LIMIT_PER_ORDER": "4"})
    cluster.start_api()
    second_url = cluster.start_another_api()
    cluster.start_worker()
    shop = shopper_for(cluster)
    product = await shop.product([f"RL-{secrets.token_hex(4)}"])
    order = await shop.order(product["id"])
    assert (await shop.pay(order)).status_code == 200
    await shop.wait_fulfilled([order], within=30)
    bearer = {"Authorization": f"Bearer {order['accessToken']}"}
    path = f"/fulfillment/{order['id']}/reveal"

    async with httpx.AsyncClient(base_url=second_url, timeout=10) as second:
        answers = []
        for n in range(6):
            api = shop.http if n % 2 == 0 else second
            answers.append(await api.post(path, headers=bearer))

    # Two reveals on each process reach the shared limit of four; each process then refuses.
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429, 429], [a.text for a in answers]
    for refused in answers[4:]:
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
    details = await shop.details(order)
    assert details["order"]["revealCount"] == 4


async def test_behind_a_trusted_balancer_each_client_has_its_own_limit_on_every_process(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    """The test plays the load balancer at 127.0.0.1, in front of two API processes."""
    cluster = await make_cluster(
        tuning={"BITLOOT_TRUSTED_PROXIES": "127.0.0.1", "BITLOOT_ORDER_LIMIT_PER_IP": "2"}
    )
    cluster.start_api()
    second_url = cluster.start_another_api()
    shop = shopper_for(cluster)
    product = await shop.product([f"XFF-{secrets.token_hex(4)}"])
    body = {"email": "e2e@example.com", "items": [{"productId": product["id"], "quantity": 1}]}

    async with httpx.AsyncClient(base_url=second_url, timeout=10) as second:

        async def place(api: httpx.AsyncClient, client: str) -> int:
            # What the client sent itself comes first; the balancer appends the address it saw.
            forwarded = f"192.0.2.99, {client}"
            return (await api.post("/orders", json=body, headers={"X-Forwarded-For": forwarded})).status_code

        first_client = [await place(shop.http, "198.51.100.1"), await place(second, "198.51.100.1")]
        first_client.append(await place(shop.http, "198.51.100.1"))
        other_client = [await place(second, "198.51.100.2"), await place(shop.http, "198.51.100.2")]

    assert first_client == [201, 201, 429]
    assert other_client == [201, 201], "the balancer's own address must not be what is counted"
