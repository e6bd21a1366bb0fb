"""docs/reliability.md on real processes: one API and two workers fulfil 200 paid orders, each IPN delivered
twice, and every unit gets exactly one key while no key goes to two units."""

import asyncio
import secrets
from collections import Counter
from collections.abc import Callable

from tests.e2e.cluster import Cluster, Shopper
from tests.e2e.conftest import MakeCluster

ORDERS = 200


async def test_200_orders_each_paid_twice_get_exactly_one_key_per_unit(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    cluster = await make_cluster()
    cluster.start_api()
    cluster.start_worker()
    cluster.start_worker()
    shop = shopper_for(cluster)
    keys = [f"KEY-{n:04d}-{secrets.token_hex(4)}" for n in range(ORDERS * 2 + 50)]
    product = await shop.product(keys)
    quantities = [1 + n % 2 for n in range(ORDERS)]
    orders = await asyncio.gather(*(shop.order(product["id"], q) for q in quantities))

    answers = await asyncio.gather(*(shop.pay(order) for order in orders for _ in range(2)))
    assert {answer.status_code for answer in answers} == {200}
    await shop.wait_fulfilled(orders, within=120)

    revealed = await asyncio.gather(*(shop.reveal(order) for order in orders))
    for order, order_keys, quantity in zip(orders, revealed, quantities, strict=True):
        assert len(order_keys) == quantity, order["id"]
    delivered = Counter(key for order_keys in revealed for key in order_keys)
    assert all(count == 1 for count in delivered.values()), "a key went to two units"
    assert set(delivered) <= set(keys)
    assert await shop.available(product["id"]) == len(keys) - sum(quantities)
    details = await asyncio.gather(*(shop.details(order) for order in orders))
    assert all(len(d["payments"]) == 1 for d in details), "each IPN repeat was recognised as one payment"
