"""`X-Request-ID` and the access log (entrypoints/http/request_observer.py): an id on every
response and on every line of its request, taken from a trusted proxy only, and one access line per
request naming the route's template, never its path. A job queued by the request carries the id into
its own lines (entrypoints/logs/job_labels.py)."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
import pytest
from dishka import Provider, Scope, provide

from bitloot.application.use_cases.get_delivery_summary import GetDeliverySummary
from bitloot.entrypoints.config import load_settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.logging_setup import logging_config
from bitloot.entrypoints.logs.json_lines import JsonLines
from bitloot.entrypoints.logs.record_fields import ContextFilter
from bitloot.entrypoints.logs.request_ids import is_sane
from bitloot.entrypoints.tasks import build_broker
from tests.http.conftest import Shop
from tests.support.sqlite_template import upgrade_from_template

PROXY = "10.0.0.7"
STRANGER = "203.0.113.9"


class Lines(logging.Handler):
    """What the processes' stderr handler would write, as JSON objects."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonLines())
        self.addFilter(ContextFilter())
        self.objects: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.objects.append(json.loads(self.format(record)))

    def access(self) -> list[dict[str, Any]]:
        return [line for line in self.objects if line["logger"] == "bitloot.access"]


@pytest.fixture
def lines() -> Iterator[Lines]:
    """Every record logged, at the levels the processes log at (`logging_config`: httpx's line per
    request, with its URL, is quiet; so the test client's own requests are not in these lines)."""
    handler = Lines()
    quieted = {
        name: spec["level"]
        for name, spec in logging_config()["loggers"].items()
        if "handlers" not in spec and "level" in spec
    }
    levels = {name: logging.getLogger(name).level for name in [*quieted, ""]}
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name, level in quieted.items():
        logging.getLogger(name).setLevel(level)
    yield handler
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)


class Shops:
    """One app, reached from two peers: a trusted proxy and a stranger."""

    def __init__(self, proxy: httpx.AsyncClient, stranger: httpx.AsyncClient, shop: Shop) -> None:
        self.proxy = proxy
        self.stranger = stranger
        self.shop = shop


class BrokenDeliveryPage(Provider):
    """The delivery page's use case fails as an unexpected bug would: a 500."""

    @provide(scope=Scope.REQUEST, override=True)
    def summaries(self) -> GetDeliverySummary:
        class Broken:
            async def execute(self, link_token: str) -> None:
                raise RuntimeError("a bug")

        return cast("GetDeliverySummary", Broken())


@asynccontextmanager
async def open_shops(data_dir: Path, *overrides: Provider) -> AsyncIterator[Shops]:
    settings = load_settings(
        {
            "BITLOOT_DATA_DIR": str(data_dir),
            "BITLOOT_ENV": "test",
            "BITLOOT_PUBLIC_BASE_URL": "https://shop.example",
            "BITLOOT_TRUSTED_PROXIES": "10.0.0.0/8",
        }
    )
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    app = cast("Any", create_app(settings, build_broker(settings, await_inplace=True), *overrides))
    started, stop = asyncio.Event(), asyncio.Event()

    async def serve() -> None:
        # Entered and left in one task, as anyio requires (tests/http/conftest.py, open_live_shop).
        async with app.lifespan():
            started.set()
            await stop.wait()

    server = asyncio.create_task(serve())
    await asyncio.wait_for(started.wait(), 30)

    def client(peer: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        return httpx.AsyncClient(transport=transport, base_url="https://shop.example")

    try:
        async with client(PROXY) as proxy, client(STRANGER) as stranger:
            yield Shops(proxy, stranger, Shop(cast("Any", proxy), settings))
    finally:
        stop.set()
        await server


@pytest.fixture
async def shops(tmp_path: Path) -> AsyncIterator[Shops]:
    async with open_shops(tmp_path) as shops:
        yield shops


async def test_a_trusted_proxy_s_request_id_is_kept_on_the_response_and_the_lines(
    shops: Shops, lines: Lines
) -> None:
    answer = await shops.proxy.get("/products", headers={"X-Request-ID": "edge-4f1c.9_a"})

    assert answer.status_code == 200
    assert answer.headers["x-request-id"] == "edge-4f1c.9_a"
    (access,) = lines.access()
    assert access["request_id"] == "edge-4f1c.9_a"


async def test_anyone_else_s_request_id_is_replaced(shops: Shops, lines: Lines) -> None:
    answer = await shops.stranger.get("/products", headers={"X-Request-ID": "chosen-by-a-stranger"})

    returned = answer.headers["x-request-id"]
    assert returned != "chosen-by-a-stranger"
    assert is_sane(returned)
    (access,) = lines.access()
    assert access["request_id"] == returned


@pytest.mark.parametrize("offered", ["has space", "x" * 65, "semi;colon", "ünicode"])
async def test_an_insane_id_is_replaced_even_from_the_proxy(shops: Shops, offered: str) -> None:
    answer = await shops.proxy.get("/products", headers=[(b"X-Request-ID", offered.encode())])

    assert answer.headers["x-request-id"] != offered
    assert is_sane(answer.headers["x-request-id"])


async def test_two_ids_in_one_request_are_replaced(shops: Shops) -> None:
    answer = await shops.proxy.get("/products", headers=[("X-Request-ID", "one"), ("X-Request-ID", "two")])

    assert answer.headers["x-request-id"] not in {"one", "two"}


async def test_each_request_has_an_id_of_its_own(shops: Shops) -> None:
    answers = [await shops.stranger.get("/products") for _ in range(5)]

    assert len({answer.headers["x-request-id"] for answer in answers}) == 5


@pytest.mark.parametrize(
    ("method", "path", "status", "route"),
    [
        ("GET", "/no/such/page", 404, "unmatched"),
        ("GET", "/assets/site/site.css", 200, "/assets/site/{file_path}"),
        ("GET", "/assets/site/missing.css", 404, "/assets/site/{file_path}"),
        ("POST", "/payments/ipn", 401, "/payments/ipn"),
        ("GET", "/fulfillment/not-an-order/status", 401, "/fulfillment/{order_id}/status"),
        ("GET", "/d/some-forged-link-token", 410, "/d/{token}"),
    ],
)
async def test_every_answer_has_an_id_and_one_access_line_by_route_template(
    shops: Shops, lines: Lines, method: str, path: str, status: int, route: str
) -> None:
    answer = await shops.stranger.request(method, path, content=b"{}")

    assert answer.status_code == status, answer.text
    (access,) = lines.access()
    assert access["request_id"] == answer.headers["x-request-id"]
    assert (access["method"], access["route"], access["status"]) == (method, route, status)
    assert access["client"] == STRANGER
    assert isinstance(access["duration_ms"], float)
    assert access["duration_ms"] >= 0
    assert access["message"] == f"{method} {route} {status} {access['duration_ms']:.1f}ms from {STRANGER}"
    assert "forged-link-token" not in json.dumps(lines.objects), "a path's token is never logged"


async def test_an_unexpected_error_is_answered_with_the_id_and_logged_under_it_by_route(
    tmp_path: Path, lines: Lines
) -> None:
    async with open_shops(tmp_path, BrokenDeliveryPage()) as shops:
        answer = await shops.stranger.get("/d/a-token-in-the-path")

    assert answer.status_code == 500
    request_id = answer.headers["x-request-id"]
    (error,) = [line for line in lines.objects if line["level"] == "ERROR"]
    assert error["request_id"] == request_id
    assert "RuntimeError: a bug" in error["exception"]
    assert error["message"] == "unhandled RuntimeError on GET /d/{token}"
    (access,) = lines.access()
    assert (access["request_id"], access["status"]) == (request_id, 500)
    assert "a-token-in-the-path" not in json.dumps(lines.objects)


async def test_behind_the_proxy_the_client_is_the_one_the_limiter_counts(shops: Shops, lines: Lines) -> None:
    await shops.proxy.get("/products", headers={"X-Forwarded-For": "198.51.100.4"})
    await shops.stranger.get("/products", headers={"X-Forwarded-For": "198.51.100.4"})

    assert [line["client"] for line in lines.access()] == ["198.51.100.4", STRANGER]


async def test_the_fulfilment_job_of_an_ipn_logs_under_the_ipn_s_request_id_and_the_order(
    shops: Shops, lines: Lines
) -> None:
    shop = shops.shop
    product = await shop.product(["KEY-REQUEST-ID-1"])
    order = await shop.order(product["id"])
    body, headers = shop.ipn(order)

    answer = await shops.proxy.post(
        "/payments/ipn", content=body, headers={**headers, "X-Request-ID": "ipn-from-the-edge"}
    )

    assert answer.status_code == 200
    fulfilled = [line for line in lines.objects if line["message"] == f"order {order['id']} fulfilled"]
    (line,) = fulfilled
    assert line["request_id"] == "ipn-from-the-edge"
    assert line["order_id"] == order["id"]
    assert isinstance(line.get("job_id"), str)
    assert line["job_id"]
    ipn = next(line for line in lines.access() if line["route"] == "/payments/ipn")
    assert (ipn["request_id"], ipn["order_id"]) == ("ipn-from-the-edge", order["id"])
    assert "job_id" not in ipn, "the job's id stays with the job"


async def test_a_reveal_s_lines_name_the_order_and_never_the_key_or_the_link(
    shops: Shops, lines: Lines
) -> None:
    shop = shops.shop
    product = await shop.product(["KEY-NEVER-IN-A-LINE-7"])
    order = await shop.order(product["id"])
    await shop.pay(order)
    link = await shop.client.get(f"/fulfillment/{order['id']}/download-link", headers=shop.bearer(order))
    path = urlsplit(link.json()["signedUrl"]).path
    await shop.client.get(path)
    revealed = await shop.client.post(f"{path}/reveal", headers={"Accept": "application/json"})
    assert revealed.status_code == 200

    reveal = next(line for line in lines.access() if line["route"] == "/d/{token}/reveal")
    assert reveal["order_id"] == order["id"]
    everything = json.dumps(lines.objects)
    assert "KEY-NEVER-IN-A-LINE-7" not in everything
    assert order["accessToken"] not in everything
    # The embedded shop's email "sender" writes its emails, links and all, to the log
    # (docs/runtime-modes.md); the access lines never hold the link's token, nor any path.
    access = json.dumps(lines.access())
    assert path.removeprefix("/d/") not in access
    assert all(order["id"] not in line["route"] for line in lines.access())


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("GET", "/no/such/page", "unmatched"),
        ("DELETE", "/health", "unmatched"),
        ("GET", "/d/a-token", "/d/{token}"),
    ],
)
async def test_the_access_line_and_the_metrics_name_a_request_by_the_same_route(
    shops: Shops, lines: Lines, method: str, path: str, route: str
) -> None:
    answer = await shops.stranger.request(method, path)
    scraped = await shops.stranger.get("/metrics")

    (access, _scrape) = lines.access()
    assert access["route"] == route
    status = str(answer.status_code)
    wanted = f'bitloot_http_requests_total{{method="{method}",route="{route}",status="{status}"}} 1.0'
    assert wanted in scraped.text.splitlines()
