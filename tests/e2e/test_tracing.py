"""Tracing across processes (issue 13): `bitloot serve` and a `bitloot worker` on PostgreSQL, Redis and
SeaweedFS, both exporting to a collector stand-in of the test (tests/providers/otlp_receiver.py). The
IPN's request span in the API and the job's span in the worker share one trace, carried in the job's
labels through Redis; and no key, token or secret is in any span either process sent."""

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from tests.e2e.cluster import Cluster, Shopper
from tests.e2e.conftest import MakeCluster
from tests.providers.otlp_receiver import OtlpReceiver, ReceivedSpan, running_otlp_receiver

SERVER, CLIENT, PRODUCER, CONSUMER = 2, 3, 4, 5
IPN_SPAN = "POST /payments/ipn"
JOB_SPAN = "execute/bitloot.fulfill_order"
SEND_SPAN = "send/bitloot.fulfill_order"


@pytest.fixture
def otlp() -> Iterator[OtlpReceiver]:
    with running_otlp_receiver() as receiver:
        yield receiver


def traced(cluster: Cluster, receiver: OtlpReceiver) -> None:
    for name in [n for n in cluster.env if n.startswith("OTEL_")]:
        del cluster.env[name]
    cluster.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
    cluster.env["OTEL_BSP_SCHEDULE_DELAY"] = "200"


def ipn_and_job(spans: list[ReceivedSpan]) -> tuple[ReceivedSpan, ReceivedSpan] | None:
    """The IPN's span and the run of the job the API sent for it. (On a loaded machine the reconciler
    may send the job again before the worker took the first: that run joins the IPN's trace too.)"""
    ipns = {s.trace_id: s for s in spans if s.name == IPN_SPAN}
    api_sends = {s.span_id for s in spans if s.name == SEND_SPAN and s.service == "bitloot-api"}
    jobs = [s for s in spans if s.name == JOB_SPAN and s.trace_id in ipns and s.parent_span_id in api_sends]
    return (ipns[jobs[0].trace_id], jobs[0]) if jobs else None


async def test_one_trace_id_covers_the_ipn_in_the_api_and_the_job_in_the_worker(
    make_cluster: MakeCluster, shopper_for: Callable[[Cluster], Shopper], otlp: OtlpReceiver
) -> None:
    cluster = await make_cluster()
    traced(cluster, otlp)
    cluster.start_api()
    cluster.start_worker()
    shop = shopper_for(cluster)
    canary, order = await shop.fulfilled_canary_order(within=90)
    assert await shop.reveal(order) == [canary]
    order_page = urlsplit(order["orderPageUrl"]).path
    assert (await shop.http.get(order_page)).status_code == 200
    assert (await shop.http.get("/d/forged-token-0123456789")).status_code >= 400

    spans = otlp.wait_for(lambda got: ipn_and_job(got) is not None, within=60)
    found = ipn_and_job(spans)
    assert found is not None
    ipn, job = found
    assert (ipn.service, ipn.kind) == ("bitloot-api", SERVER)
    assert (job.service, job.kind) == ("bitloot-worker", CONSUMER)
    sent = next(s for s in spans if s.span_id == job.parent_span_id)
    assert (sent.service, sent.kind, sent.name) == ("bitloot-api", PRODUCER, "send/bitloot.fulfill_order")
    assert sent.parent_span_id == ipn.span_id
    # Each run in the trace, one the reconciler re-queued too, was sent under the IPN's span.
    by_id = {s.span_id: s for s in spans}
    for run in [s for s in spans if s.name == JOB_SPAN and s.trace_id == ipn.trace_id]:
        assert by_id[run.parent_span_id].parent_span_id == ipn.span_id
    # The worker's SQL (PostgreSQL) and S3 calls for that order are in the same trace.
    spans = otlp.wait_for(
        lambda got: any(s.trace_id == job.trace_id and s.name == "storage get" for s in got), within=60
    )
    worker_calls = [s for s in spans if s.trace_id == job.trace_id and s.service == "bitloot-worker"]
    assert any("db.statement" in s.attributes for s in worker_calls)
    assert {s.attributes.get("bitloot.storage.backend") for s in worker_calls} >= {"S3BlobStore"}
    # Placing the order asked NOWPayments (the fake) for an invoice: an httpx span in its trace.
    placing = next(s for s in spans if s.name == "POST /orders")
    assert any(
        s.kind == CLIENT and s.parent_span_id == placing.span_id and "http.url" in s.attributes for s in spans
    )

    cluster.stop()  # each process exports what it still holds as it stops
    sent_bytes = otlp.raw
    for secret in (
        canary,
        order["accessToken"],
        order_page.rsplit("/", 1)[-1],
        "forged-token-0123456789",
        cluster.env["BITLOOT_ADMIN_TOKEN"],
        cluster.env["BITLOOT_NOWPAYMENTS_IPN_SECRET"],
        cluster.env["BITLOOT_NOWPAYMENTS_API_KEY"],
        cluster.env["BITLOOT_S3_SECRET_ACCESS_KEY"],
        cluster.env["BITLOOT_MASTER_KEYS"].split(":", 1)[1],
    ):
        assert secret.encode() not in sent_bytes, secret
    assert order["id"].encode() not in sent_bytes
