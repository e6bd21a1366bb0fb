"""Issue 13's acceptance run: one production-shaped shop for the whole module, as an operator runs it
(`bitloot serve --workers 2`, two `bitloot worker`s each with its own metrics port, PostgreSQL, a Redis
of its own the test can take away, SeaweedFS S3, traces exported to a collector stand-in), watched
only from the outside: the API's `GET /metrics`, each worker's metrics port, the processes' JSON log
lines and the spans they sent (docs/metrics.md, README "Logs", "Tracing").

Every figure is compared as a difference between two scrapes, so the tests need not run in order."""

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import pytest_asyncio

from tests.e2e.cluster import Cluster, Shopper
from tests.e2e.conftest import new_cluster
from tests.e2e.test_tracing import CONSUMER, IPN_SPAN, PRODUCER, SERVER, ipn_and_job, traced
from tests.infra.ports import free_ports, wait_for_port
from tests.infra.postgres_server import drop_database
from tests.infra.redis_server import ThrowawayRedis, throwaway_redis
from tests.infra.seaweed import SeaweedS3
from tests.providers.nowpayments_server import NowPaymentsServer
from tests.providers.otlp_receiver import OtlpReceiver, ReceivedSpan, running_otlp_receiver
from tests.support.log_lines import json_lines
from tests.support.scraped_metrics import per_process, scraped

pytestmark = pytest.mark.asyncio(loop_scope="module")

ORDERS = 20
WORKERS = ("worker-1", "worker-2")
EDGE_ID = "edge-0b5e.13_observability"
T = TypeVar("T")


@dataclass
class Shop:
    cluster: Cluster
    shopper: Shopper
    # Where `bitloot serve`'s processes write their metrics (PROMETHEUS_MULTIPROC_DIR).
    metrics_folder: Path
    worker_ports: list[int]
    redis: ThrowawayRedis
    collector: OtlpReceiver

    async def api_metrics(self) -> str:
        answer = await self.shopper.http.get("/metrics")
        answer.raise_for_status()
        return answer.text

    async def worker_metrics(self) -> list[str]:
        async with httpx.AsyncClient(timeout=10) as client:
            answers = [await client.get(f"http://127.0.0.1:{port}/metrics") for port in self.worker_ports]
        for answer in answers:
            answer.raise_for_status()
        return [answer.text for answer in answers]

    async def product(self, keys: int) -> dict[str, Any]:
        return await self.shopper.product([f"O13-{n}-{secrets.token_hex(4)}" for n in range(keys)])


@dataclass(frozen=True)
class Figures:
    """What the API's scrape and the workers' scrapes say, summed over the workers."""

    orders_placed: float
    ipn_answered: float
    ipn_timed: float
    ipn_applied: float
    orders_fulfilled: float
    jobs_fulfilled: float
    jobs_fulfilled_each: tuple[float, ...]
    fulfillment_timed: float
    supplier_calls_ok: float

    @classmethod
    def of(cls, api: str, workers: list[str]) -> "Figures":
        fulfilled_each = tuple(
            scraped(text, "bitloot_fulfillment_jobs_total", outcome="fulfilled") for text in workers
        )
        return cls(
            orders_placed=scraped(
                api, "bitloot_http_requests_total", route="/orders", method="POST", status="201"
            ),
            ipn_answered=scraped(
                api, "bitloot_http_requests_total", route="/payments/ipn", method="POST", status="200"
            ),
            ipn_timed=scraped(
                api, "bitloot_http_request_seconds_count", route="/payments/ipn", method="POST"
            ),
            ipn_applied=scraped(api, "bitloot_ipn_total", provider="nowpayments", outcome="applied"),
            orders_fulfilled=scraped(api, "bitloot_orders_total", status="fulfilled"),
            jobs_fulfilled=sum(fulfilled_each),
            jobs_fulfilled_each=fulfilled_each,
            fulfillment_timed=sum(scraped(text, "bitloot_fulfillment_seconds_count") for text in workers),
            supplier_calls_ok=sum(
                scraped(text, "bitloot_supplier_calls_total", supplier="stock", outcome="ok")
                for text in workers
            ),
        )

    def minus(self, before: "Figures") -> dict[str, float]:
        return {
            name: getattr(self, name) - getattr(before, name)
            for name in self.__dataclass_fields__
            if name != "jobs_fulfilled_each"
        }


async def until(read: Callable[[], Awaitable[T]], holds: Callable[[T], bool], *, within: float) -> T:
    """The first value `read` gives for which `holds` is true, read again every 0.2 s; else the last
    one read, once `within` seconds have passed (the caller's assertion then says what it was)."""
    deadline = time.monotonic() + within
    while True:
        value = await read()
        if holds(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.2)


async def wait_for_health(shopper: Shopper, within: float = 90) -> None:
    async def health() -> int:
        try:
            return (await shopper.http.get("/health")).status_code
        except httpx.TransportError:
            return 0

    assert await until(health, lambda status: status == 200, within=within) == 200


@pytest.fixture(scope="module")
def collector() -> Iterator[OtlpReceiver]:
    with running_otlp_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def own_redis() -> Iterator[ThrowawayRedis]:
    server = throwaway_redis()
    yield server
    server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shop(
    postgres_server_url: str,
    seaweed: SeaweedS3,
    nowpayments: NowPaymentsServer,
    own_redis: ThrowawayRedis,
    collector: OtlpReceiver,
) -> AsyncIterator[Shop]:
    cluster, database_url = await new_cluster(
        postgres_server_url,
        own_redis.url,
        seaweed,
        nowpayments,
        tuning={
            # The test sends from loopback, here in the role of the shop's load balancer.
            "BITLOOT_TRUSTED_PROXIES": "127.0.0.1",
            "BITLOOT_METRICS_EVERY_SECONDS": "1",
        },
    )
    metrics_folder = cluster.directory / "api-metrics"
    cluster.env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_folder)
    traced(cluster, collector)
    worker_ports = free_ports(len(WORKERS))
    shopper = Shopper(cluster)
    # A connection per request, so that the kernel may hand each to either granian worker.
    shopper.http.headers["Connection"] = "close"
    try:
        cluster.start_api(workers=2)
        for name, port in zip(WORKERS, worker_ports, strict=True):
            cluster.start_worker(name=name, extra_env={"BITLOOT_METRICS_PORT": str(port)})
        await wait_for_health(shopper)
        for name, port in zip(WORKERS, worker_ports, strict=True):
            assert await asyncio.to_thread(wait_for_port, port, 90), f"{name}'s metrics listener never opened"
            await cluster.wait_for_log(name, "worker started", within=90)
        yield Shop(cluster, shopper, metrics_folder, worker_ports, own_redis, collector)
    finally:
        await shopper.close()
        cluster.stop()
        await drop_database(database_url)


async def figures(shop: Shop) -> Figures:
    return Figures.of(await shop.api_metrics(), await shop.worker_metrics())


async def test_after_n_orders_the_counters_and_histograms_of_every_process_add_up_to_n(shop: Shop) -> None:
    # The database figures are read after anything an earlier test did.
    started = time.time()
    refreshed = await until(
        shop.api_metrics,
        lambda text: scraped(text, "bitloot_figures_refreshed_timestamp_seconds") > started,
        within=60,
    )
    assert scraped(refreshed, "bitloot_figures_refreshed_timestamp_seconds") > started
    before = await figures(shop)
    product = await shop.product(ORDERS)
    orders = await asyncio.gather(*(shop.shopper.order(product["id"]) for _ in range(ORDERS)))
    paid = await asyncio.gather(*(shop.shopper.pay(order) for order in orders))
    assert [answer.status_code for answer in paid] == [200] * ORDERS
    await shop.shopper.wait_fulfilled(orders, within=180)

    # A worker counts a job just after its transaction; the database figures come every second.
    expected = dict.fromkeys(before.minus(before), float(ORDERS))
    after = await until(lambda: figures(shop), lambda now: now.minus(before) == expected, within=60)
    assert after.minus(before) == expected
    # Both granian workers answered some of the requests: each wrote its own file.
    served = per_process(shop.metrics_folder)
    assert len([pid for pid, count in served.items() if count]) == 2, served
    # And the scrape of `/metrics` added the files up, whichever worker it reached.
    ipn_files = sum(per_process(shop.metrics_folder, "/payments/ipn").values())
    assert ipn_files == scraped(
        await shop.api_metrics(), "bitloot_http_requests_total", route="/payments/ipn"
    )


async def test_the_outbox_gauge_rises_while_redis_is_down_and_falls_once_it_is_back(shop: Shop) -> None:
    product = await shop.product(3)
    orders = [await shop.shopper.order(product["id"]) for _ in range(3)]

    async def outbox() -> tuple[float, float, float]:
        text = await shop.api_metrics()
        return (
            scraped(text, "bitloot_outbox_requests"),
            scraped(text, "bitloot_outbox_oldest_seconds"),
            scraped(text, "bitloot_dependency_up", dependency="queue"),
        )

    # Whatever ran before is done: nothing in the outbox, the queue up.
    assert await until(outbox, lambda now: now == (0, 0, 1), within=60) == (0, 0, 1)

    shop.redis.stop()
    try:
        paid = [await shop.shopper.pay(order) for order in orders]
        assert [answer.status_code for answer in paid] == [200] * len(orders)

        # The requests stay in the outbox and grow old there while the reconciler cannot hand them on.
        def waiting(now: tuple[float, float, float]) -> bool:
            requests, oldest_seconds, queue_up = now
            return requests == len(orders) and oldest_seconds >= 3 and queue_up == 0

        during = await until(outbox, waiting, within=60)
        assert waiting(during), during
        statuses = [await shop.shopper.status(order) for order in orders]
        assert [status["orderStatus"] for status in statuses] == ["paid"] * len(orders)
    finally:
        shop.redis.start()

    await shop.shopper.wait_fulfilled(orders, within=120)
    assert await until(outbox, lambda now: now == (0, 0, 1), within=60) == (0, 0, 1)


async def wait_for_either_log(shop: Shop, text: str, within: float) -> str:
    """The worker whose log says `text` (once either does)."""
    deadline = time.monotonic() + within
    while not (found := [name for name in WORKERS if text in shop.cluster.log(name)]):
        assert time.monotonic() < deadline, f"{text!r} in neither worker's log within {within}s"
        await asyncio.sleep(0.2)
    (name,) = found
    return name


async def test_the_ipn_s_request_id_is_on_the_api_s_access_line_and_the_worker_s_lines_for_the_order(
    shop: Shop,
) -> None:
    product = await shop.product(1)
    order = await shop.shopper.order(product["id"])
    body, headers = shop.shopper.ipn(order)

    paid = await shop.shopper.http.post(
        "/payments/ipn",
        content=body,
        headers={**headers, "X-Request-ID": EDGE_ID, "X-Forwarded-For": "198.51.100.23"},
    )
    assert paid.status_code == 200
    assert paid.headers["x-request-id"] == EDGE_ID
    await shop.shopper.wait_fulfilled([order], within=90)
    worker = await wait_for_either_log(shop, f"order {order['id']} fulfilled", within=30)

    api = json_lines(shop.cluster.log("api"))
    (ipn,) = [
        line for line in api if line["logger"] == "bitloot.access" and line.get("request_id") == EDGE_ID
    ]
    assert (ipn["route"], ipn["status"], ipn["client"]) == ("/payments/ipn", 200, "198.51.100.23")
    assert ipn["order_id"] == order["id"]
    for_the_order = [
        line for line in json_lines(shop.cluster.log(worker)) if line.get("order_id") == order["id"]
    ]
    (fulfilled,) = [line for line in for_the_order if line["message"] == f"order {order['id']} fulfilled"]
    assert fulfilled["request_id"] == EDGE_ID
    job_ids = {line.get("job_id") for line in for_the_order if line.get("request_id") == EDGE_ID}
    assert len(job_ids) == 1
    assert None not in job_ids, "each of the job's lines names the job"


async def test_one_trace_id_covers_the_ipn_s_http_span_and_the_worker_s_job_span(shop: Shop) -> None:
    earlier = {span.span_id for span in shop.collector.spans if span.name == IPN_SPAN}
    product = await shop.product(1)
    order = await shop.shopper.order(product["id"])
    assert (await shop.shopper.pay(order)).status_code == 200
    await shop.shopper.wait_fulfilled([order], within=90)

    def this_ipn_and_its_job(spans: list[ReceivedSpan]) -> tuple[ReceivedSpan, ReceivedSpan] | None:
        return ipn_and_job([s for s in spans if not (s.name == IPN_SPAN and s.span_id in earlier)])

    spans = await asyncio.to_thread(
        shop.collector.wait_for, lambda got: this_ipn_and_its_job(got) is not None, within=60
    )
    found = this_ipn_and_its_job(spans)
    assert found is not None
    ipn, job = found
    assert len([s for s in spans if s.name == IPN_SPAN and s.span_id not in earlier]) == 1
    assert (ipn.service, ipn.kind) == ("bitloot-api", SERVER)
    assert (job.service, job.kind) == ("bitloot-worker", CONSUMER)
    sent = next(s for s in spans if s.span_id == job.parent_span_id)
    assert (sent.service, sent.kind, sent.name) == ("bitloot-api", PRODUCER, "send/bitloot.fulfill_order")
    assert sent.parent_span_id == ipn.span_id
