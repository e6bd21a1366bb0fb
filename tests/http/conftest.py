"""The HTTP app through Litestar's test client, on a real SQLite file and a local keys folder."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import httpx
import pytest
from dishka import Provider, Scope, provide
from litestar.testing import AsyncTestClient

from bitloot.application.ports.clock import Clock
from bitloot.entrypoints.config import Settings, load_settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.tasks import build_broker
from tests.factories.http import keys_body, order_body, product_body
from tests.fakes.clock import FrozenClock
from tests.support.ipn import ipn_request_for
from tests.support.sqlite_template import upgrade_from_template


@dataclass
class Shop:
    client: AsyncTestClient[Any]
    settings: Settings

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.secrets.admin_token}"}

    async def product(self, keys: list[str], sku: str = "GAME-1", price: str = "19.99") -> dict[str, Any]:
        created = await self.client.post(
            "/admin/products", json=product_body(sku=sku, price=Decimal(price)), headers=self.admin
        )
        assert created.status_code == 201, created.text
        product: dict[str, Any] = created.json()
        if keys:
            imported = await self.client.post(
                f"/admin/products/{product['id']}/keys", json=keys_body(keys), headers=self.admin
            )
            assert imported.status_code == 201, imported.text
        return product

    async def order(self, product_id: str, quantity: int = 1) -> dict[str, Any]:
        placed = await self.client.post(
            "/orders", json=order_body(product_id, quantity, email="player@example.com")
        )
        assert placed.status_code == 201, placed.text
        order: dict[str, Any] = placed.json()
        return order

    def ipn(
        self, order: dict[str, Any], status: str = "finished", **changes: Any
    ) -> tuple[bytes, dict[str, str]]:
        """A signed IPN for `order`, as NOWPayments would post it."""
        return ipn_request_for(order, self.settings.secrets.ipn_secret, status, **changes)

    async def pay(self, order: dict[str, Any], status: str = "finished") -> None:
        body, headers = self.ipn(order, status)
        answer = await self.client.post("/payments/ipn", content=body, headers=headers)
        assert answer.status_code == 200, answer.text

    @staticmethod
    def bearer(order: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {order['accessToken']}"}


def embedded_settings(data_dir: Path) -> Settings:
    return load_settings(
        {
            "BITLOOT_DATA_DIR": str(data_dir),
            "BITLOOT_ENV": "test",
            "BITLOOT_PUBLIC_BASE_URL": "https://shop.example",
        }
    )


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Shop]:
    settings = embedded_settings(tmp_path)
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    # Jobs run before `kiq` returns, so an IPN's answer comes after its fulfilment.
    app = create_app(settings, build_broker(settings, await_inplace=True))
    async with AsyncTestClient(app) as client:
        yield Shop(client, settings)


# --- helpers shared by the HTTP behaviour tests ---------------------------------------------------

PROBLEM_JSON = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """`response` is an RFC 9457 problem of `status`; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str)
    assert body["type"]
    assert isinstance(body["title"], str)
    assert body["title"]
    return body


async def fulfillment_status(shop: Shop, order: dict[str, Any]) -> dict[str, Any]:
    answer = await shop.client.get(f"/fulfillment/{order['id']}/status", headers=shop.bearer(order))
    assert answer.status_code == 200, answer.text
    status: dict[str, Any] = answer.json()
    return status


async def order_details(shop: Shop, order_id: str) -> dict[str, Any]:
    answer = await shop.client.get(f"/admin/orders/{order_id}", headers=shop.admin)
    assert answer.status_code == 200, answer.text
    details: dict[str, Any] = answer.json()
    return details


async def webhooks(shop: Shop) -> list[dict[str, Any]]:
    answer = await shop.client.get("/admin/webhooks", headers=shop.admin)
    assert answer.status_code == 200, answer.text
    deliveries: list[dict[str, Any]] = answer.json()
    return deliveries


async def available(shop: Shop, product_id: str) -> int:
    answer = await shop.client.get("/products")
    assert answer.status_code == 200, answer.text
    count: int = next(p["available"] for p in answer.json() if p["id"] == product_id)
    return count


@pytest.fixture
async def live_shop(tmp_path: Path) -> AsyncIterator[Shop]:
    """The same shop served on the test's own event loop through httpx's ASGI transport.

    `AsyncTestClient` hands each request to a blocking portal, so `asyncio.gather` over it runs the
    requests one after another; here they really overlap inside the app."""
    async with open_live_shop(tmp_path) as shop:
        yield shop


@asynccontextmanager
async def open_live_shop(data_dir: Path, *overrides: Provider) -> AsyncIterator[Shop]:
    """A shop like the `live_shop` fixture's, with some providers of the composition root replaced."""
    settings = embedded_settings(data_dir)
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    app = create_app(settings, build_broker(settings, await_inplace=True), *overrides)
    started, stop = asyncio.Event(), asyncio.Event()

    async def serve() -> None:
        # The lifespan is entered and left in this one task, as anyio's task groups require;
        # pytest-asyncio may finalize a fixture in another task than the one that set it up.
        async with app.lifespan():
            started.set()
            await stop.wait()

    server = asyncio.create_task(serve())
    ready = asyncio.create_task(started.wait())
    await asyncio.wait([server, ready], return_when=asyncio.FIRST_COMPLETED)
    if server.done():
        ready.cancel()
        server.result()
    try:
        async with httpx.AsyncClient(
            # Litestar's precise ASGI types are narrower than httpx's generic callable.
            transport=httpx.ASGITransport(app=cast("Any", app)),
            base_url="http://testserver.local",
        ) as client:
            # Shop only calls get/post, which httpx.AsyncClient (AsyncTestClient's base) provides.
            yield Shop(cast("AsyncTestClient[Any]", client), settings)
    finally:
        stop.set()
        await server


class ClockProvider(Provider):
    """Replaces the system clock with one the test moves by hand."""

    def __init__(self, clock: FrozenClock) -> None:
        super().__init__()
        self._clock = clock

    @provide(scope=Scope.APP, override=True)
    def clock(self) -> Clock:
        return self._clock


@asynccontextmanager
async def open_shop(data_dir: Path, *overrides: Provider) -> AsyncIterator[Shop]:
    """A shop like the `shop` fixture's, with some providers of the composition root replaced."""
    settings = embedded_settings(data_dir)
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    app = create_app(settings, build_broker(settings, await_inplace=True), *overrides)
    async with AsyncTestClient(app) as client:
        yield Shop(client, settings)


@pytest.fixture
async def console_shop(tmp_path: Path) -> AsyncIterator["ConsoleShop"]:
    """A shop with cheap password hashing and a clock the test moves, for the console's tests
    (tests/http/console_harness.py; docs/console.md, "Adding a console page")."""
    from tests.http.console_harness import open_console_shop

    async with open_console_shop(tmp_path) as console:
        yield console


if TYPE_CHECKING:
    from tests.http.console_harness import ConsoleShop
