"""`GET /metrics` on the real app (docs/metrics.md): routes by their template, never a token or a made-up
path; what an order's walk counts; the database figures refreshed in the background, so that 1,000
scrapes cost no query; and the optional scrape token."""

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bitloot.entrypoints.config import load_settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.tasks import build_broker
from tests.http.conftest import Shop
from tests.support.sqlite_template import upgrade_from_template

LINK_TOKEN = "v1.secret-looking-link-token-4f1c9d"
TOKEN = "scrape-token-7d1e"


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples called `name`, by their sorted labels."""
    return {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text, name).get(tuple(sorted(labels.items())))


async def open_metrics_shop(data_dir: Path, **env: str) -> tuple[Litestar, Shop]:
    settings = load_settings(
        {
            "BITLOOT_DATA_DIR": str(data_dir),
            "BITLOOT_ENV": "test",
            "BITLOOT_PUBLIC_BASE_URL": "https://shop.example",
            **env,
        }
    )
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    app = create_app(settings, build_broker(settings, await_inplace=True))
    return app, Shop(AsyncTestClient(app), settings)


@pytest.fixture
async def metrics_shop(tmp_path: Path) -> AsyncIterator[Shop]:
    _, shop = await open_metrics_shop(tmp_path, BITLOOT_METRICS_EVERY_SECONDS="1")
    async with shop.client:
        yield shop


async def scrape(shop: Shop, **headers: str) -> str:
    answer = await shop.client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    text: str = answer.text
    return text


async def test_requests_are_labelled_by_route_template_never_by_the_path_sent(metrics_shop: Shop) -> None:
    await metrics_shop.client.get(f"/d/{LINK_TOKEN}")
    await metrics_shop.client.get(f"/d/{LINK_TOKEN}-2")
    await metrics_shop.client.get("/no/such/page/01HXYZ")
    await metrics_shop.client.delete("/health")

    text = await scrape(metrics_shop)

    requests = samples(text, "bitloot_http_requests_total")
    delivery = {labels: n for labels, n in requests.items() if ("route", "/d/{token}") in labels}
    assert sum(delivery.values()) == 2, requests
    assert value(text, "bitloot_http_requests_total", route="unmatched", method="GET", status="404") == 1
    # A method no route answers: refused before any route took the request.
    assert value(text, "bitloot_http_requests_total", route="unmatched", method="DELETE", status="405") == 1
    assert LINK_TOKEN not in text
    assert "01HXYZ" not in text
    assert value(text, "bitloot_http_request_seconds_count", route="/d/{token}", method="GET") == 2


async def test_an_order_walk_is_counted_where_each_step_happens(metrics_shop: Shop) -> None:
    product = await metrics_shop.product(["KEY-AAAA-1"])
    order = await metrics_shop.order(product["id"])
    await metrics_shop.pay(order)  # the job runs in the API process before the IPN is answered
    body, headers = metrics_shop.ipn(order)
    await metrics_shop.client.post(
        "/payments/ipn", content=body, headers={**headers, "x-nowpayments-sig": "0"}
    )
    revealed = await metrics_shop.client.post(
        f"/fulfillment/{order['id']}/reveal", headers=metrics_shop.bearer(order)
    )
    assert revealed.status_code == 200, revealed.text

    text = await scrape(metrics_shop)

    assert value(text, "bitloot_ipn_total", provider="nowpayments", outcome="applied") == 1
    assert value(text, "bitloot_ipn_total", provider="nowpayments", outcome="bad_signature") == 1
    assert value(text, "bitloot_fulfillment_jobs_total", outcome="fulfilled") == 1
    assert value(text, "bitloot_fulfillment_seconds_count") == 1
    assert value(text, "bitloot_reveals_total", channel="api") == 1
    assert value(text, "bitloot_supplier_calls_total", supplier="stock", outcome="ok") == 1
    # The key was imported (put), sealed for the order (put) and opened for the reveal (get).
    assert (value(text, "bitloot_storage_seconds_count", op="put") or 0) >= 2
    assert (value(text, "bitloot_storage_seconds_count", op="get") or 0) >= 1
    assert value(text, "bitloot_vault_refusals_total") == 0
    assert "KEY-AAAA-1" not in text
    assert order["accessToken"] not in text
    assert order["id"] not in text


async def figures_after(shop: Shop, since: float) -> str:
    """The first scrape whose database figures were read after `since` (Unix time)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = await scrape(shop)
        if (value(text, "bitloot_figures_refreshed_timestamp_seconds") or 0) > since:
            return text
        await asyncio.sleep(0.1)
    raise AssertionError("the database figures were never refreshed")


async def test_the_database_figures_are_refreshed_in_the_background(metrics_shop: Shop) -> None:
    product = await metrics_shop.product(["KEY-1", "KEY-2", "KEY-3"], sku="GAME-9")
    await metrics_shop.order(product["id"])
    paid = await metrics_shop.order(product["id"])
    await metrics_shop.pay(paid)

    text = await figures_after(metrics_shop, time.time())

    assert value(text, "bitloot_orders_total", status="awaiting_payment") == 1
    assert value(text, "bitloot_orders_total", status="fulfilled") == 1
    assert value(text, "bitloot_orders_total", status="refunded") == 0
    assert value(text, "bitloot_stock_available", sku="GAME-9") == 2
    assert value(text, "bitloot_stock_low_threshold", sku="GAME-9") == 5
    assert value(text, "bitloot_outbox_requests") == 0
    assert value(text, "bitloot_outbox_oldest_seconds") == 0
    assert value(text, "bitloot_paid_unfulfilled_oldest_seconds") == 0
    assert value(text, "bitloot_email_outbox", state="failed") == 0
    assert value(text, "bitloot_dependency_up", dependency="database") == 1


def count_queries(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    return seen


async def test_a_thousand_scrapes_cost_no_database_query(tmp_path: Path) -> None:
    # The background loops wait an hour between rounds: any query during the scrapes would be theirs.
    app, shop = await open_metrics_shop(
        tmp_path, BITLOOT_METRICS_EVERY_SECONDS="3600", BITLOOT_RECONCILE_EVERY_SECONDS="3600"
    )
    async with shop.client:
        await shop.product(["KEY-1"])
        await figures_after(shop, 0)
        engine = await app.state.dishka_container.get(AsyncEngine)
        queries = count_queries(engine)
        await shop.client.get("/products")
        assert queries, "the counter sees the app's queries"
        await asyncio.sleep(0.5)  # the loops' first rounds are over
        queries.clear()

        for _ in range(1_000):
            answer = await shop.client.get("/metrics")
            assert answer.status_code == 200

        assert queries == []
        text = await scrape(shop)
        scrapes = value(text, "bitloot_http_requests_total", route="/metrics", method="GET", status="200")
        assert scrapes is not None
        assert scrapes >= 1_000


async def test_with_a_token_only_a_scraper_that_sends_it_is_answered(tmp_path: Path) -> None:
    _, shop = await open_metrics_shop(tmp_path, BITLOOT_METRICS_TOKEN=TOKEN)
    async with shop.client:
        missing = await shop.client.get("/metrics")
        wrong = await shop.client.get("/metrics", headers={"Authorization": "Bearer not-it"})
        text = await scrape(shop, Authorization=f"Bearer {TOKEN}")

    assert missing.status_code == wrong.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert TOKEN not in missing.text + wrong.text
    assert value(text, "bitloot_http_requests_total", route="/metrics", method="GET", status="401") == 2
