"""A fake of NOWPayments' REST API: a real aiohttp server on 127.0.0.1 (a free port), run on an event
loop of its own in a background thread, so it answers whichever loop or thread the code under test
calls it from (Litestar's test client runs the app in a portal thread of its own).

It keeps invoices and payments like NOWPayments does (`POST /v1/invoice`, `POST /v1/auth`,
`GET /v1/payment/?invoiceId=` with a bearer token, `GET /v1/payment/{id}`), checks the `x-api-key`
header, records every request, and can be scripted: 5xx (or any status) answers, answers that hang
past the client's timeout, and a request that is handled (the invoice is created) but whose answer
is lost (the connection is dropped).
"""

import asyncio
import itertools
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.providers.faults import ScriptedFault, ScriptedFaults
from tests.providers.threaded import ThreadedAiohttpServer

API_KEY = "NP-TEST-API-KEY-0123456789abcdef"
EMAIL = "owner@shop.example"
PASSWORD = "np-test-password-0123456789"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    # Lowercase names.
    headers: dict[str, str]
    raw: bytes
    # The body parsed as JSON (None when empty, the text when not JSON).
    body: Any


@dataclass
class NowPaymentsServer(ScriptedFaults, ThreadedAiohttpServer):
    api_key: str = API_KEY
    email: str = EMAIL
    password: str = PASSWORD
    requests: list[RecordedRequest] = field(default_factory=list)
    # By invoice id, as answered to `POST /v1/invoice`.
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    # By payment id.
    payments: dict[int, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    port: int = 0
    _faults: list[ScriptedFault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _invoice_ids: Iterator[int] = field(default_factory=lambda: itertools.count(4522625843))
    _payment_ids: Iterator[int] = field(default_factory=lambda: itertools.count(5077125051))
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None
    _stopping: asyncio.Event | None = None
    thread_name: str = "fake-nowpayments"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- scripting --------------------------------------------------------------------------------

    def pay(self, invoice_id: str, status: str = "finished", **changes: Any) -> dict[str, Any]:
        """A payment made on the invoice (the customer chose a coin on the invoice page), in `status`;
        fully paid unless `changes` say otherwise. Returns it as the API shows it."""
        with self._lock:
            invoice = self.invoices[invoice_id]
            payment_id = next(self._payment_ids)
            pay_amount = 0.00032
            payment: dict[str, Any] = {
                "payment_id": payment_id,
                "invoice_id": int(invoice_id),
                "payment_status": status,
                "pay_address": "bc1qfakeaddress",
                "price_amount": float(invoice["price_amount"]),
                "price_currency": invoice["price_currency"],
                "pay_amount": pay_amount,
                "actually_paid": pay_amount if status == "finished" else 0,
                "pay_currency": "btc",
                "order_id": invoice["order_id"],
                "order_description": invoice["order_description"],
                "purchase_id": str(payment_id + 1000),
                "outcome_amount": 0.0003,
                "outcome_currency": "btc",
                "created_at": _now(),
                **changes,
            }
            self.payments[payment_id] = payment
            return dict(payment)

    def update(self, payment_id: int, **changes: Any) -> None:
        with self._lock:
            self.payments[payment_id].update(changes)

    def revoke_tokens(self) -> None:
        """Every bearer token issued so far expires (NOWPayments' live 5 minutes)."""
        with self._lock:
            self.tokens.clear()

    # --- what it saw -----------------------------------------------------------------------------

    def seen(self, method: str, path_prefix: str = "") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def invoice_for(self, order_id: str) -> dict[str, Any]:
        """The one invoice made for the order."""
        with self._lock:
            [invoice] = [i for i in self.invoices.values() if i["order_id"] == order_id]
            return dict(invoice)

    # --- lifecycle -------------------------------------------------------------------------------

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/invoice", self._route(self._create_invoice))
        app.router.add_post("/v1/auth", self._route(self._auth))
        app.router.add_get("/v1/payment/", self._route(self._list_payments))
        app.router.add_get("/v1/payment/{payment_id}", self._route(self._get_payment))

    # --- handlers --------------------------------------------------------------------------------

    def _route(self, action: Any) -> Any:
        async def handler(request: web.Request) -> web.StreamResponse:
            return await self._handle(request, action)

        return handler

    async def _handle(self, request: web.Request, action: Any) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        headers = {name.lower(): value for name, value in request.headers.items()}
        with self._lock:
            self.requests.append(
                RecordedRequest(request.method, request.path, dict(request.query), headers, raw, body)
            )
            fault = self._take_fault(request.method, request.path)
        if request.path != "/v1/auth" and headers.get("x-api-key") != self.api_key:
            return web.json_response(
                {"status": False, "statusCode": 403, "code": "INVALID_API_KEY", "message": "Invalid api key"},
                status=403,
            )
        if fault is not None and fault.kind == "status":
            return web.json_response({"message": "scripted failure"}, status=fault.status)
        await self._hang(fault)
        with self._lock:
            status, answer = action(request, headers, body)
        self._drop(request, fault)
        return web.json_response(answer, status=status)

    def _create_invoice(self, _: web.Request, __: dict[str, str], body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 400, {"message": "body must be a JSON object"}
        amount, currency = body.get("price_amount"), body.get("price_currency")
        if not isinstance(amount, int | float) or isinstance(amount, bool) or amount <= 0:
            return 400, {"message": '"price_amount" must be a positive number'}
        if not isinstance(currency, str) or not currency:
            return 400, {"message": '"price_currency" is required'}
        invoice_id = str(next(self._invoice_ids))
        invoice = {
            "id": invoice_id,
            "token_id": "7341209",
            "order_id": body.get("order_id"),
            "order_description": body.get("order_description"),
            # NOWPayments answers the amount as a string.
            "price_amount": str(amount),
            "price_currency": currency,
            "pay_currency": None,
            "ipn_callback_url": body.get("ipn_callback_url"),
            "invoice_url": f"https://nowpayments.io/payment/?iid={invoice_id}",
            "success_url": body.get("success_url"),
            "cancel_url": body.get("cancel_url"),
            "created_at": _now(),
            "updated_at": _now(),
        }
        self.invoices[invoice_id] = invoice
        return 200, invoice

    def _auth(self, _: web.Request, __: dict[str, str], body: Any) -> tuple[int, Any]:
        if (
            not isinstance(body, dict)
            or body.get("email") != self.email
            or body.get("password") != self.password
        ):
            return 401, {
                "statusCode": 401,
                "code": "INVALID_CREDENTIALS",
                "message": "Wrong email or password",
            }
        token = "eyJ." + secrets.token_urlsafe(24)
        self.tokens.add(token)
        return 200, {"token": token}

    def _list_payments(self, request: web.Request, headers: dict[str, str], _: Any) -> tuple[int, Any]:
        bearer = headers.get("authorization", "").removeprefix("Bearer ")
        if bearer not in self.tokens:
            return 401, {
                "statusCode": 401,
                "code": "AUTH_REQUIRED",
                "message": "Authorization header is empty (Bearer JWTtoken is required)",
            }
        limit, page = int(request.query.get("limit", "10")), int(request.query.get("page", "0"))
        invoice = request.query.get("invoiceId")
        chosen = [
            self._shown(p)
            for p in self.payments.values()
            if invoice is None or str(p["invoice_id"]) == invoice
        ]
        pages = max(1, -(-len(chosen) // limit))
        return 200, {
            "data": chosen[page * limit : (page + 1) * limit],
            "limit": limit,
            "page": page,
            "pagesCount": pages,
            "total": len(chosen),
        }

    def _get_payment(self, request: web.Request, _: dict[str, str], __: Any) -> tuple[int, Any]:
        payment_id = request.match_info["payment_id"]
        payment = self.payments.get(int(payment_id)) if payment_id.isdigit() else None
        if payment is None:
            return 404, {"statusCode": 404, "code": "NOT_FOUND", "message": "Payment not found"}
        return 200, self._shown(payment)

    @staticmethod
    def _shown(payment: dict[str, Any]) -> dict[str, Any]:
        # Each answer carries the time it was made: it must not make a new record by itself.
        return {**payment, "updated_at": _now()}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@contextmanager
def running_nowpayments(**options: Any) -> Iterator[NowPaymentsServer]:
    server = NowPaymentsServer(**options).start()
    try:
        yield server
    finally:
        server.stop()
