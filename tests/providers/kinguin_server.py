"""A fake of Kinguin's eCommerce API: a real aiohttp server on 127.0.0.1 (a free port), run on an
event loop of its own in a background thread, so it answers whichever loop or thread the code under
test calls it from.

It keeps orders like Kinguin does (`POST /v1/order`, `GET /v1/order?orderExternalId=`,
`GET /v1/order/{orderId}`, `GET /v2/order/{orderId}/keys?page=&limit=`), records every request, and
can be scripted: keys that are pending for the first N polls of an order, 5xx answers, answers that
hang past the client's timeout, and a POST whose order is created but whose answer is lost (the
connection is dropped).
"""

import asyncio
import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.providers.faults import ScriptedFault, ScriptedFaults
from tests.providers.threaded import ThreadedAiohttpServer

API_KEY = "kinguin-test-api-key-0123456789"
PREFIX = "/esa/api"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    api_key: str | None


@dataclass(frozen=True)
class FakeKey:
    serial: str
    type: str = "text/plain"
    id: str | None = None


@dataclass
class FakeOrder:
    order_id: str
    external_id: str
    products: list[dict[str, Any]]
    keys: list[FakeKey]
    created_at: datetime
    status: str = "processing"
    # Polls of the keys (first pages) so far.
    key_polls: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "orderId": self.order_id,
            "orderExternalId": self.external_id,
            "status": self.status,
            "createdAt": self.created_at.isoformat(),
            "products": self.products,
        }


@dataclass
class KinguinServer(ScriptedFaults, ThreadedAiohttpServer):
    api_key: str = API_KEY
    # The keys Kinguin will deliver, per kinguinId, handed out in this order as orders take them.
    stock: dict[str, list[FakeKey]] = field(default_factory=dict)
    # The keys endpoint answers none for an order's first N polls.
    keys_pending_polls: int = 0
    requests: list[RecordedRequest] = field(default_factory=list)
    orders: dict[str, FakeOrder] = field(default_factory=dict)
    _faults: list[ScriptedFault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None
    _stopping: asyncio.Event | None = None
    thread_name: str = "fake-kinguin"
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}"

    # --- scripting --------------------------------------------------------------------------------

    def complete(self, order_id: str) -> None:
        with self._lock:
            self.orders[order_id].status = "completed"
            self.orders[order_id].key_polls = max(self.orders[order_id].key_polls, self.keys_pending_polls)

    # --- what it saw -----------------------------------------------------------------------------

    def seen(self, method: str, path_prefix: str = "") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def orders_for(self, external_id: str) -> list[FakeOrder]:
        with self._lock:
            return [o for o in self.orders.values() if o.external_id == external_id]

    # --- lifecycle -------------------------------------------------------------------------------

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_post(f"{PREFIX}/v1/order", self._place)
        app.router.add_get(f"{PREFIX}/v1/order", self._search)
        app.router.add_get(f"{PREFIX}/v1/order/{{order_id}}", self._get_order)
        app.router.add_get(f"{PREFIX}/v2/order/{{order_id}}/keys", self._keys)

    # --- handlers --------------------------------------------------------------------------------

    async def _place(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, self._do_place)

    async def _search(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, self._do_search)

    async def _get_order(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, self._do_get_order)

    async def _keys(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, self._do_keys)

    async def _handle(self, request: web.Request, action: Any) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        path = request.path.removeprefix(PREFIX)
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    request.method, path, dict(request.query), body, request.headers.get("X-Api-Key")
                )
            )
            fault = self._take_fault(request.method, path)
        if request.headers.get("X-Api-Key") != self.api_key:
            return web.json_response({"status": 401, "detail": "Invalid API key"}, status=401)
        if fault is not None and fault.kind == "status":
            return web.json_response(
                {"status": fault.status, "detail": "scripted failure"}, status=fault.status
            )
        await self._hang(fault)
        with self._lock:
            status, answer = action(request, body)
        self._drop(request, fault)
        return web.json_response(answer, status=status)

    def _do_place(self, _: web.Request, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("products"), list):
            return 400, {"detail": "products are required"}
        products: list[dict[str, Any]] = body["products"]
        if not products or len(products) > 10:
            return 400, {"detail": "1 to 10 products per order"}
        keys: list[FakeKey] = []
        for line in products:
            qty = line.get("qty")
            if not isinstance(qty, int) or not 1 <= qty <= 9 or line.get("keyType") != "text":
                return 400, {"detail": "qty is 1 to 9 per product"}
            if not isinstance(line.get("price"), int | float):
                return 400, {"detail": "price is required"}
            available = self.stock.get(str(line.get("kinguinId")), [])
            if len(available) < qty:
                return 400, {"detail": "Product is out of stock"}
            keys.extend(available[:qty])
            del available[:qty]
        order_id = f"KG{next(self._ids):06d}"
        created = datetime(2026, 1, 1, 12, 0, tzinfo=UTC) + timedelta(seconds=len(self.orders))
        order = FakeOrder(order_id, str(body.get("orderExternalId")), products, keys, created)
        self.orders[order_id] = order
        return 200, order.as_json()

    def _do_search(self, request: web.Request, _: Any) -> tuple[int, Any]:
        external = request.query.get("orderExternalId")
        found = [o.as_json() for o in self.orders.values() if external is None or o.external_id == external]
        return 200, {"results": found, "item_count": len(found)}

    def _do_get_order(self, request: web.Request, _: Any) -> tuple[int, Any]:
        order = self.orders.get(request.match_info["order_id"])
        if order is None:
            return 404, {"detail": "Order not found"}
        return 200, order.as_json()

    def _do_keys(self, request: web.Request, _: Any) -> tuple[int, Any]:
        order = self.orders.get(request.match_info["order_id"])
        if order is None:
            return 404, {"detail": "Order not found"}
        page, limit = int(request.query.get("page", "1")), int(request.query.get("limit", "25"))
        if page == 1:
            order.key_polls += 1
        if order.key_polls <= self.keys_pending_polls:
            return 200, []
        chosen = order.keys[(page - 1) * limit : page * limit]
        return 200, [
            {
                **({"id": key.id} if key.id is not None else {}),
                "serial": key.serial,
                "type": key.type,
                "name": "Game",
                "kinguinId": order.products[0].get("kinguinId"),
                "offerId": "offer-1",
            }
            for key in chosen
        ]


@contextmanager
def running_kinguin(**options: Any) -> Iterator[KinguinServer]:
    server = KinguinServer(**options).start()
    try:
        yield server
    finally:
        server.stop()
