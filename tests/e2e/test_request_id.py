"""One request id from the edge to the worker (README, "Logs"): the id a trusted load balancer gave the
IPN is on the API's access line for it and on the lines a separate `bitloot worker` process logged
for that order's fulfilment job, through Redis."""

from collections.abc import Callable

from tests.e2e.cluster import Cluster, Shopper
from tests.e2e.conftest import MakeCluster
from tests.support.log_lines import json_lines

EDGE_ID = "edge-7c1f0a.42_ipn"


async def test_the_ipn_s_request_id_reaches_the_worker_s_lines_for_its_order(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper]
) -> None:
    # The test sends from loopback, here in the role of the shop's load balancer.
    cluster = await make_cluster(tuning={"BITLOOT_TRUSTED_PROXIES": "127.0.0.1"})
    cluster.start_api()
    cluster.start_worker()
    shop = shopper_for(cluster)
    product = await shop.product(["KEY-REQUEST-ID-E2E"])
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order)

    paid = await shop.http.post(
        "/payments/ipn",
        content=body,
        headers={**headers, "X-Request-ID": EDGE_ID, "X-Forwarded-For": "198.51.100.23"},
    )
    assert paid.status_code == 200
    assert paid.headers["x-request-id"] == EDGE_ID
    await shop.wait_fulfilled([order], within=90)
    await cluster.wait_for_log("worker-1", f"order {order['id']} fulfilled", within=30)

    api = json_lines(cluster.log("api"))
    (ipn,) = [line for line in api if line["logger"] == "bitloot.access" and line["request_id"] == EDGE_ID]
    assert (ipn["route"], ipn["status"], ipn["client"]) == ("/payments/ipn", 200, "198.51.100.23")
    assert ipn["order_id"] == order["id"]
    worker = json_lines(cluster.log("worker-1"))
    for_the_order = [line for line in worker if line.get("order_id") == order["id"]]
    fulfilled = [line for line in for_the_order if line["message"] == f"order {order['id']} fulfilled"]
    assert fulfilled, "the worker's line for the order names it"
    assert fulfilled[0]["request_id"] == EDGE_ID
    job_ids = {line.get("job_id") for line in for_the_order if line.get("request_id") == EDGE_ID}
    assert len(job_ids) == 1
    assert None not in job_ids, "each of the job's lines names the job"
