"""Tracing (issue 13, entrypoints/tracing/): with OTEL_EXPORTER_OTLP_ENDPOINT set, the app exports its
spans over OTLP/HTTP to a collector stand-in (tests/providers/otlp_receiver.py). Jobs run in-process,
as in embedded mode, before the IPN's answer."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from dishka import Provider, Scope, decorate

from bitloot.application.errors import QueueUnavailable
from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.domain.request_context import RequestContext
from tests.http.conftest import Shop, fulfillment_status, open_shop
from tests.providers.otlp_receiver import OtlpReceiver, ReceivedSpan, running_otlp_receiver

SERVER, CLIENT, PRODUCER, CONSUMER = 2, 3, 4, 5
JOB_SPAN = "execute/bitloot.fulfill_order"


@pytest.fixture
def otlp(monkeypatch: pytest.MonkeyPatch) -> Iterator[OtlpReceiver]:
    with running_otlp_receiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
        # No batch goes out on a timer during a test: the app's shutdown exports them all.
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "600000")
        for name in ("OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_SAMPLER"):
            monkeypatch.delenv(name, raising=False)
        yield receiver


def by_id(spans: list[ReceivedSpan]) -> dict[str, ReceivedSpan]:
    return {span.span_id: span for span in spans}


def ancestors(span: ReceivedSpan, spans: list[ReceivedSpan]) -> list[ReceivedSpan]:
    index, found = by_id(spans), []
    while span.parent_span_id in index:
        span = index[span.parent_span_id]
        found.append(span)
    return found


def one(spans: list[ReceivedSpan], name: str) -> ReceivedSpan:
    [span] = [s for s in spans if s.name == name]
    return span


async def test_one_trace_runs_from_the_ipn_to_the_fulfilled_order(otlp: OtlpReceiver, tmp_path: Path) -> None:
    async with open_shop(tmp_path) as shop:
        product = await shop.product(["KEY-TRACED-1"])
        order = await shop.order(product["id"])
        await shop.pay(order)
        status = await shop.client.get(f"/fulfillment/{order['id']}/status", headers=shop.bearer(order))
        assert status.json()["status"] == "fulfilled"
    # The app has shut down: its last spans went out with it.
    spans = otlp.spans

    ipn = one(spans, "POST /payments/ipn")
    job = one(spans, JOB_SPAN)
    assert (ipn.kind, job.kind) == (SERVER, CONSUMER)
    assert ipn.service == job.service == "bitloot-api"
    assert job.trace_id == ipn.trace_id
    # The job runs under the span that queued it, itself inside the IPN's request.
    sent = ancestors(job, spans)
    assert [s.name for s in sent] == ["send/bitloot.fulfill_order", "POST /payments/ipn"]
    assert sent[0].kind == PRODUCER
    # The job's SQL statements and blob reads are its children, in the same trace.
    in_job = [s for s in spans if job in ancestors(s, spans)]
    statements = [s for s in in_job if "db.statement" in s.attributes]
    assert any(s.attributes["db.statement"].startswith("UPDATE") for s in statements)
    assert {s.kind for s in statements} == {CLIENT}
    assert "storage get" in {s.name for s in in_job}
    assert ipn.attributes["http.route"] == "/payments/ipn"
    assert ipn.attributes["http.status_code"] == 200
    # The reconciler's rounds (one ran as the app started) make no trace of their own SQL.
    assert all(s.parent_span_id for s in spans if s.kind == CLIENT)


class QueueDown(Provider):
    """The broker is down until `up` is set: the IPN's job stays in the outbox for the reconciler."""

    def __init__(self) -> None:
        super().__init__()
        self.up = False

    @decorate(scope=Scope.APP)
    def queue(self, queue: FulfillmentQueue) -> FulfillmentQueue:
        switch = self

        class Switched:
            async def enqueue(self, order_id: str, context: RequestContext | None = None) -> None:
                if not switch.up:
                    raise QueueUnavailable
                await queue.enqueue(order_id, context)

            def current_context(self) -> RequestContext:
                return queue.current_context()

            async def check(self) -> None:
                await queue.check()

        return Switched()


async def test_a_job_the_reconciler_re_queues_joins_the_trace_of_the_ipn(
    otlp: OtlpReceiver, tmp_path: Path
) -> None:
    down = QueueDown()
    async with open_shop(tmp_path, down) as shop:
        product = await shop.product(["KEY-TRACED-REQUEUED"])
        order = await shop.order(product["id"])
        await shop.pay(order)
        assert (await fulfillment_status(shop, order))["status"] == "processing"
        down.up = True
        # The reconciler sends it once the request has been quiet for its grace period.
        deadline = asyncio.get_running_loop().time() + 120
        while (await fulfillment_status(shop, order))["status"] != "fulfilled":
            assert asyncio.get_running_loop().time() < deadline, "the reconciler never re-queued it"
            await asyncio.sleep(0.2)
    spans = otlp.spans

    ipn = one(spans, "POST /payments/ipn")
    job = one(spans, JOB_SPAN)
    assert job.trace_id == ipn.trace_id
    sent = ancestors(job, spans)
    assert [s.name for s in sent] == ["send/bitloot.fulfill_order", "POST /payments/ipn"]


async def test_otel_service_name_names_the_process(
    otlp: OtlpReceiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "bitloot-api-eu")
    async with open_shop(tmp_path) as shop:
        assert (await shop.client.get("/products")).status_code == 200

    assert {s.service for s in otlp.spans} == {"bitloot-api-eu"}
    assert "GET /products" in {s.name for s in otlp.spans}


async def test_sql_spans_carry_placeholders_never_the_values(otlp: OtlpReceiver, tmp_path: Path) -> None:
    async with open_shop(tmp_path) as shop:
        product = await shop.product(["KEY-TRACED-2"])
        order = await shop.order(product["id"])
        await shop.pay(order)
    spans = otlp.spans

    statements = [s.attributes["db.statement"] for s in spans if "db.statement" in s.attributes]
    assert any("?" in statement for statement in statements)
    # The order id is a bound value of many statements (and a path segment of some requests).
    assert not any(order["id"] in text for span in spans for text in span.texts)
    assert order["id"].encode() not in otlp.raw


def secrets_of(shop: Shop, order: dict[str, Any], delivery_path: str) -> list[str]:
    return [
        urlsplit(order["orderPageUrl"]).path.rsplit("/", 1)[-1],
        delivery_path.rsplit("/", 1)[-1],
        order["accessToken"],
        shop.settings.secrets.admin_token,
        shop.settings.secrets.ipn_secret.decode(),
    ]


CANARY_KEY = "KEY-CANARY-7f3a9c1e5b"
CANARY_TOKEN = "canary-token-5e0d1c7b9a3f"


async def test_no_token_key_or_secret_reaches_a_span(otlp: OtlpReceiver, tmp_path: Path) -> None:
    async with open_shop(tmp_path) as shop:
        product = await shop.product([CANARY_KEY])
        order = await shop.order(product["id"])
        await shop.pay(order)
        link = await shop.client.get(f"/fulfillment/{order['id']}/download-link", headers=shop.bearer(order))
        delivery = urlsplit(link.json()["signedUrl"]).path
        page = await shop.client.get(delivery)
        assert page.status_code == 200, page.text
        revealed = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
        assert CANARY_KEY in revealed.text
        order_page = await shop.client.get(urlsplit(order["orderPageUrl"]).path)
        assert order_page.status_code == 200
        # Tokens no route knows, in a path and in a query string.
        await shop.client.get(f"/d/{CANARY_TOKEN}?token={CANARY_TOKEN}")
        await shop.client.get(f"/o/{CANARY_TOKEN}")
        await shop.client.get(f"/no-such-page/{CANARY_TOKEN}?t={CANARY_TOKEN}")
        assert (await shop.client.get("/health")).status_code == 200
        secrets = [*secrets_of(shop, order, delivery), CANARY_KEY, CANARY_TOKEN]
    spans = otlp.spans

    names = {s.name for s in spans if s.kind == SERVER}
    assert {"GET /d/{token}", "GET /o/{token}", "POST /fulfillment/{order_id}/reveal"} <= names
    # A path no route takes is named by its method alone; health checks make no span.
    assert "GET" in names
    assert "GET /health" not in names
    for secret in secrets:
        assert not any(secret in text for span in spans for text in span.texts), secret
        assert secret.encode() not in otlp.raw, secret
