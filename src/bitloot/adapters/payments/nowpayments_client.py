"""NOWPayments' REST API (SPEC §6): an invoice for each new order, and what became of its payments.

`NowPaymentsGateway` implements `PaymentGateway` and `PaymentLookup` over one `httpx.AsyncClient` per
process (base `BITLOOT_NOWPAYMENTS_BASE_URL`, default https://api.nowpayments.io; the sandbox is
https://api-sandbox.nowpayments.io), every request with the header `x-api-key`.

Invoices. `POST /v1/invoice` with `price_amount` (the order total, its exact digits as a JSON number),
`price_currency` (lowercase), `order_id` (our order id, echoed in every IPN), `order_description`,
`ipn_callback_url` = `{BITLOOT_PUBLIC_BASE_URL}/payments/ipn`, `success_url` =
`{public}/paid?order={id}` and `cancel_url` = `{public}/cancelled?order={id}` (where NOWPayments sends
the customer back: the storefront's pages). We keep `id` (the order's `payment_reference`) and
`invoice_url` (the customer's payment URL).

Time bounds and retries. Each attempt may take 3 s to connect and 10 s to read; at most 3 attempts,
with a short exponential backoff, and `start_payment` as a whole gives up after `total_seconds` (20 s)
so a customer's `POST /orders` answers in bounded time. `POST /v1/invoice` is not idempotent on
NOWPayments' side, so it is attempted again only when the request surely did not reach them (the
connection could not be opened, or no pooled connection was free) or they answered 5xx or 429. A
timeout while reading, or a connection dropped after the request was sent, is not retried: the
invoice may exist, and a second one would be a second bill. A 5xx retried may likewise leave an
invoice behind; it is never shown to anyone, so at worst it sits unused on their side. Reads (`GET`)
are retried on any transport error, 5xx or 429. Every failure ends as `PaymentProviderUnavailable`
(HTTP 503 for `POST /orders`, and nothing stored).

Reconciliation: how a payment whose IPN never came is found. NOWPayments lists the payments of an
invoice only through `GET /v1/payment/?invoiceId=...`, which wants, besides the API key, a bearer JWT
from `POST /v1/auth` with the account's email and password (the token lives 5 minutes; it is cached
for 4 and fetched again on a 401). So:

- with `BITLOOT_NOWPAYMENTS_EMAIL` and `BITLOOT_NOWPAYMENTS_PASSWORD` set, each due order's invoice
  is listed: every payment made on it is found, including one whose IPNs were all lost;
- without them, each payment id we already know from an earlier IPN (the payments table) is asked
  with `GET /v1/payment/{payment_id}` (API key only). That finds a `finished` whose IPN was lost
  after an earlier one (say `waiting`) arrived, but an order that never got any IPN is not found:
  set the credentials to cover that case too.

Each answer is read once, as JavaScript reads it (`parse_json`, nesting capped), and each reported
payment by the IPN's own rules (`payment_fields`): one whose amounts or ids JavaScript would not read as
written is skipped. It becomes a `VerifiedNotification` whose dedupe key is the SHA-256 of the
canonical JSON (the IPN form, `js_canonical_json`) of the fields that bear on the order: `payment_id`,
`invoice_id`, `payment_status`, `order_id`, the amounts and currencies, `parent_payment_id`. Asking
again while nothing changed records nothing new; a changed status is a new record. Timestamps such as
`updated_at` are left out so that they alone never make a new record.

Secrets. The API key, the password and the bearer token are never logged, never in a repr, an
exception message or an error body; a provider message is logged only with the key masked.
"""

import asyncio
import contextlib
import hashlib
import json
import logging
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import msgspec

from bitloot.adapters.payments import payment_fields
from bitloot.adapters.payments.canonical_json import js_canonical_json, parse_json
from bitloot.application.errors import PaymentProviderUnavailable
from bitloot.application.ports.payments import PaymentSession, VerifiedNotification
from bitloot.domain.order import Order
from bitloot.domain.payment import PaymentNotification, PaymentStatus

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.nowpayments.io"
# The JWT of `/v1/auth` lives 5 minutes; use it for 4.
TOKEN_SECONDS = 240.0
# An invoice has a handful of payments at most; a few pages of 100 bound one order's answer.
PAGE_SIZE = 100
MAX_PAGES = 5
# What the orders table keeps of an invoice id (`payment_reference`, String(100)).
MAX_REFERENCE_LENGTH = 100
# The fields of a payment that bear on the order: what the dedupe key covers.
DEDUPE_FIELDS = (
    "payment_id",
    "invoice_id",
    "payment_status",
    "order_id",
    "price_amount",
    "price_currency",
    "pay_amount",
    "actually_paid",
    "pay_currency",
    "parent_payment_id",
)
_STATUSES = {status.value: status for status in PaymentStatus}
_ENCODER = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class NowPaymentsSettings:
    api_key: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    # The account's login, needed only to list an invoice's payments (see the module docstring).
    email: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    connect_seconds: float = 3.0
    read_seconds: float = 10.0
    attempts: int = 3
    backoff_seconds: float = 0.25
    # The whole of `start_payment`, retries included.
    total_seconds: float = 20.0

    @property
    def can_list_payments(self) -> bool:
        return self.email is not None and self.password is not None


class _Retry(Exception):
    """One attempt failed in a way worth another attempt; `reason` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NowPaymentsGateway:
    """`PaymentGateway` and `PaymentLookup` on NOWPayments. Open one per process and `aclose()` it."""

    def __init__(
        self,
        settings: NowPaymentsSettings,
        public_base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not settings.api_key:
            raise ValueError("The NOWPayments API key is empty.")
        self._settings = settings
        self._public = public_base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=settings.base_url.rstrip("/"),
            headers={"x-api-key": settings.api_key, "accept": "application/json"},
            timeout=httpx.Timeout(
                settings.read_seconds,
                connect=settings.connect_seconds,
                pool=settings.connect_seconds,
            ),
            follow_redirects=False,
            transport=transport,
        )
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"NowPaymentsGateway(base_url={self._settings.base_url!r}, api_key=<hidden>)"

    async def aclose(self) -> None:
        await self._client.aclose()

    # --- PaymentGateway ------------------------------------------------------------------------------

    async def start_payment(self, order: Order) -> PaymentSession:
        total = order.total
        body = {
            # The exact digits of the total, as a JSON number.
            "price_amount": msgspec.Raw(format(total.amount, "f").encode()),
            "price_currency": total.currency.lower(),
            "order_id": order.id,
            "order_description": f"BitLoot order {order.id}",
            "ipn_callback_url": f"{self._public}/payments/ipn",
            "success_url": f"{self._public}/paid?order={quote(order.id)}",
            "cancel_url": f"{self._public}/cancelled?order={quote(order.id)}",
        }
        try:
            async with asyncio.timeout(self._settings.total_seconds):
                response = await self._send(
                    "POST",
                    "/v1/invoice",
                    content=_ENCODER.encode(body),
                    headers={"content-type": "application/json"},
                    idempotent=False,
                )
        except TimeoutError:
            log.warning("NOWPayments POST /v1/invoice: no answer within %ss", self._settings.total_seconds)
            raise PaymentProviderUnavailable() from None
        self._expect_success(response, "POST /v1/invoice")
        answer = _json_object(response, "POST /v1/invoice")
        invoice_id, url = _text_id(answer.get("id")), answer.get("invoice_url")
        usable_id = invoice_id is not None and len(invoice_id) <= MAX_REFERENCE_LENGTH
        if not usable_id or not isinstance(url, str) or not url.startswith(("https://", "http://")):
            log.warning("NOWPayments POST /v1/invoice: the answer has no usable id and invoice_url")
            raise PaymentProviderUnavailable()
        return PaymentSession(url=url, reference=invoice_id)

    # --- PaymentLookup -------------------------------------------------------------------------------

    async def payments_for(
        self, order: Order, known_payment_ids: Sequence[str]
    ) -> list[VerifiedNotification]:
        if self._settings.can_list_payments and order.payment_reference:
            items = await self._list_invoice_payments(order.payment_reference)
        else:
            items = [item for pid in known_payment_ids if (item := await self._get_payment(pid))]
        found: list[VerifiedNotification] = []
        for payment in items:
            if not _belongs_to(payment, order):
                continue
            notification = _to_notification(payment)
            if notification is None:
                log.warning(
                    "NOWPayments: an unreadable payment %r for order %s was skipped",
                    _safe_id(payment.get("payment_id")),
                    order.id,
                )
                continue
            found.append(VerifiedNotification(notification, _dedupe_key(payment)))
        return found

    async def _list_invoice_payments(self, invoice_id: str) -> list[Mapping[str, Any]]:
        items: list[Mapping[str, Any]] = []
        for page in range(MAX_PAGES):
            params = {
                "invoiceId": invoice_id,
                "limit": str(PAGE_SIZE),
                "page": str(page),
                "sortBy": "created_at",
                "orderBy": "asc",
            }
            response = await self._authorized_get("/v1/payment/", params)
            self._expect_success(response, "GET /v1/payment/")
            answer = _json_object(response, "GET /v1/payment/")
            data = answer.get("data")
            if not isinstance(data, list):
                log.warning("NOWPayments GET /v1/payment/: the answer has no data list")
                raise PaymentProviderUnavailable()
            items.extend(payment for payment in data if isinstance(payment, dict))
            pages = answer.get("pagesCount")
            if not isinstance(pages, float) or page + 1 >= pages or len(data) < PAGE_SIZE:
                break
        return items

    async def _get_payment(self, payment_id: str) -> Mapping[str, Any] | None:
        path = f"/v1/payment/{quote(payment_id, safe='')}"
        response = await self._send("GET", path, idempotent=True)
        if response.status_code == httpx.codes.NOT_FOUND:
            log.warning("NOWPayments does not know payment %s; skipped", _safe_id(payment_id))
            return None
        self._expect_success(response, "GET /v1/payment/{id}")
        return _json_object(response, "GET /v1/payment/{id}")

    async def _authorized_get(self, path: str, params: Mapping[str, str]) -> httpx.Response:
        """A GET with the bearer token; on 401 the token is fetched again, once."""
        response = await self._send_bearer(path, params, await self._bearer(force=False))
        if response.status_code == httpx.codes.UNAUTHORIZED:
            response = await self._send_bearer(path, params, await self._bearer(force=True))
        return response

    async def _send_bearer(self, path: str, params: Mapping[str, str], token: str) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"}
        return await self._send("GET", path, params=params, headers=headers, idempotent=True)

    async def _bearer(self, *, force: bool) -> str:
        async with self._token_lock:
            if not force and self._token is not None and time.monotonic() < self._token_expires:
                return self._token
            self._token = None
            credentials = {"email": self._settings.email, "password": self._settings.password}
            # Fetching a token changes nothing on their side: retried like a read.
            response = await self._send(
                "POST",
                "/v1/auth",
                content=json.dumps(credentials).encode(),
                headers={"content-type": "application/json"},
                idempotent=True,
            )
            self._expect_success(response, "POST /v1/auth")
            token = _json_object(response, "POST /v1/auth").get("token")
            if not isinstance(token, str) or not token:
                log.warning("NOWPayments POST /v1/auth: the answer has no token")
                raise PaymentProviderUnavailable()
            self._token, self._token_expires = token, time.monotonic() + TOKEN_SECONDS
            return token

    # --- transport -----------------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One request with up to `attempts` attempts; see the module docstring for what is retried.
        Returns the first answer that is neither 5xx nor 429; raises `PaymentProviderUnavailable`."""
        attempts = max(1, self._settings.attempts)
        for attempt in range(1, attempts + 1):
            try:
                return await self._attempt(method, path, idempotent, content, params, headers)
            except _Retry as failure:
                log.warning(
                    "NOWPayments %s %s failed (%s), attempt %d of %d",
                    method,
                    path,
                    failure.reason,
                    attempt,
                    attempts,
                )
            if attempt < attempts:
                delay = self._settings.backoff_seconds * 2 ** (attempt - 1)
                await asyncio.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not a secret
        raise PaymentProviderUnavailable()

    async def _attempt(
        self,
        method: str,
        path: str,
        idempotent: bool,
        content: bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        try:
            response = await self._client.request(
                method, path, content=content, params=params, headers=headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never left: safe to send again, whatever it is.
            raise _Retry(type(exc).__name__) from None
        except httpx.TransportError as exc:
            if idempotent:
                raise _Retry(type(exc).__name__) from None
            # It may have arrived (read timeout, connection dropped after sending): never sent twice.
            log.warning("NOWPayments %s %s failed (%s); not retried", method, path, type(exc).__name__)
            raise PaymentProviderUnavailable() from None
        if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
            raise _Retry(f"HTTP {response.status_code}")
        if response.status_code == httpx.codes.TOO_MANY_REQUESTS:
            raise _Retry("HTTP 429")
        return response

    def _expect_success(self, response: httpx.Response, route: str) -> None:
        if response.is_success:
            return
        log.warning(
            "NOWPayments %s answered %d: %s", route, response.status_code, self._provider_message(response)
        )
        raise PaymentProviderUnavailable()

    def _provider_message(self, response: httpx.Response) -> str:
        """The provider's own `message`, short and with our secrets masked, for the log only."""
        message = ""
        with contextlib.suppress(ValueError):
            body = parse_json(response.content)
            if isinstance(body, dict) and isinstance(body.get("message"), str):
                message = body["message"]
        message = message[:200]
        for secret in (self._settings.api_key, self._settings.password, self._token):
            if secret:
                message = message.replace(secret, "<hidden>")
        return message or "(no message)"


def _json_object(response: httpx.Response, route: str) -> Mapping[str, Any]:
    """The answer as JavaScript reads it (`parse_json`): amounts and ids are read from this one value,
    by the rules of `payment_fields`, and the dedupe key is taken over its canonical form."""
    try:
        answer = parse_json(response.content)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        log.warning("NOWPayments %s: the answer is not a JSON object", route)
        raise PaymentProviderUnavailable()
    return answer


def _belongs_to(payment: Mapping[str, Any], order: Order) -> bool:
    """A payment of this order: made on its invoice, or naming it."""
    invoice = payment.get("invoice_id")
    if (
        order.payment_reference is not None
        and invoice is not None
        and _text_id(invoice) == order.payment_reference
    ):
        return True
    return payment.get("order_id") == order.id


def _dedupe_key(payment: Mapping[str, Any]) -> str:
    fields = {name: payment[name] for name in DEDUPE_FIELDS if name in payment}
    return hashlib.sha256(js_canonical_json(fields).encode("utf-8")).hexdigest()


def _to_notification(payment: Mapping[str, Any]) -> PaymentNotification | None:
    """The payment as a notification, or None when a field we rely on is missing or malformed."""
    if payment_fields.misread_numbers(payment):
        return None
    payment_id = _text_id(payment.get("payment_id"))
    status_text = payment.get("payment_status")
    status = _STATUSES.get(status_text) if isinstance(status_text, str) else None
    price_amount = _amount(payment.get("price_amount"))
    pay_amount = _amount(payment.get("pay_amount"))
    paid = payment.get("actually_paid")
    actually_paid = Decimal(0) if paid is None else _amount(paid)
    price_currency, pay_currency = payment.get("price_currency"), payment.get("pay_currency")
    order_id = payment.get("order_id")
    parent = payment.get("parent_payment_id")
    if (
        payment_id is None
        or status is None
        or price_amount is None
        or pay_amount is None
        or actually_paid is None
        or not isinstance(price_currency, str)
        or not isinstance(pay_currency, str)
        or not (order_id is None or isinstance(order_id, str))
    ):
        return None
    parent_id = None if parent is None else _text_id(parent)
    if parent is not None and parent_id is None:
        return None
    return PaymentNotification(
        payment_id=payment_id,
        order_id=order_id or "",
        status=status,
        price_amount=price_amount,
        price_currency=price_currency,
        pay_amount=pay_amount,
        actually_paid=actually_paid,
        pay_currency=pay_currency,
        parent_payment_id=parent_id,
    )


def _text_id(value: object) -> str | None:
    return payment_fields.identifier(value)


def _safe_id(value: object) -> str:
    return (_text_id(value) or "?")[:100]


def _amount(value: object) -> Decimal | None:
    # NOWPayments writes some amounts as strings ("1000" in an invoice).
    if isinstance(value, str):
        with contextlib.suppress(ArithmeticError, ValueError):
            parsed = Decimal(value)
            if parsed.is_finite() and parsed >= 0:
                return parsed
        return None
    return payment_fields.amount(value)
