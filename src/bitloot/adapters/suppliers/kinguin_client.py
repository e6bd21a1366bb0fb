"""A small client of Kinguin's eCommerce API (SPEC §7): place and find orders, read their keys.

Every call is bounded (connect 3 s, read 10 s by default). GETs are retried a few times on a 5xx or a
failed connection; a POST never is, since Kinguin may have taken the order before the answer was lost
(the caller finds it again with `find_order`). Every failure is a `SupplierUnavailable` (transient)
or a `SupplierRefused` (Kinguin said no to an order), with a message that names the call and the
status, never the API key, a key or a response body.
"""

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final
from urllib.parse import quote

import httpx

from bitloot.application.errors import SupplierRefused, SupplierUnavailable

log = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://gateway.kinguin.net/esa/api"
# More pages than an order of at most 90 keys can fill, as a bound on a misbehaving answer.
MAX_KEY_PAGES: Final = 20


@dataclass(frozen=True, slots=True)
class KinguinSettings:
    api_key: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    # Attempts of a GET (the first one included); a POST is made once.
    get_attempts: int = 3
    retry_backoff: float = 0.5
    keys_page_size: int = 25


@dataclass(frozen=True, slots=True)
class OrderLine:
    kinguin_id: str
    quantity: int
    price: Decimal


@dataclass(frozen=True, slots=True)
class RemoteOrder:
    order_id: str
    external_id: str | None
    status: str
    # Kinguin's `updatedAt` (or `createdAt`) of the order as it answered, when it said.
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class RemoteKey:
    """A key as Kinguin sent it. `serial` is the key itself (base64 for an image): never printed."""

    key_id: str | None
    serial: str = field(repr=False)
    content_type: str


def parse_kinguin_time(value: object) -> datetime | None:
    """Kinguin's ISO 8601 times (`2020-10-16T11:24:08+00:00`), as aware UTC; None when not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class KinguinClient:
    def __init__(self, settings: KinguinSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._http = httpx.AsyncClient(
            base_url=settings.base_url.rstrip("/"),
            headers={"X-Api-Key": settings.api_key, "Accept": "application/json"},
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=settings.connect_timeout,
            ),
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"KinguinClient(base_url={self._settings.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def find_order(self, external_id: str) -> RemoteOrder | None:
        """The order placed with `orderExternalId` = `external_id`, if Kinguin has one. Of several,
        a live one (not canceled or refunded) wins, then the newest."""
        answer = await self._get("/v1/order", {"orderExternalId": external_id})
        results = answer.get("results") if isinstance(answer, dict) else answer
        if not isinstance(results, list):
            raise SupplierUnavailable("Kinguin answered GET /v1/order with an unexpected body.")
        orders = [_order(entry) for entry in results if isinstance(entry, dict)]
        mine = [o for o in orders if o.external_id == external_id]
        if not mine:
            return None
        epoch = datetime.min.replace(tzinfo=UTC)
        mine.sort(
            key=lambda o: (o.status not in ("canceled", "cancelled", "refunded"), o.updated_at or epoch)
        )
        return mine[-1]

    async def get_order(self, order_id: str) -> RemoteOrder:
        answer = await self._get(f"/v1/order/{_path_part(order_id)}", None)
        if not isinstance(answer, dict):
            raise SupplierUnavailable("Kinguin answered GET /v1/order/{id} with an unexpected body.")
        return _order(answer)

    async def place_order(self, external_id: str, lines: list[OrderLine]) -> RemoteOrder:
        body = {
            "products": [
                {
                    "kinguinId": int(line.kinguin_id) if line.kinguin_id.isdigit() else line.kinguin_id,
                    "qty": line.quantity,
                    "price": float(line.price),
                    "keyType": "text",
                }
                for line in lines
            ],
            "orderExternalId": external_id,
        }
        what = "POST /v1/order"
        try:
            response = await self._http.post("/v1/order", json=body)
        except httpx.HTTPError as exc:
            # Kinguin may have taken the order before the answer was lost: never retried here.
            raise SupplierUnavailable(f"Kinguin {what} failed: {type(exc).__name__}.") from exc
        status = response.status_code
        if status in (401, 403, 408, 409, 425, 429) or status >= 500:
            # Our key, a rate limit, Kinguin's own trouble, or a conflict with an order it already
            # has for this item: none of these is the customer's order failing; try again later.
            raise SupplierUnavailable(f"Kinguin answered {status} to {what}.")
        if status >= 400:
            raise SupplierRefused(f"Kinguin refused the order (HTTP {status}{_reason(response)}).")
        answer = _json(response, what)
        if not isinstance(answer, dict):
            raise SupplierUnavailable(f"Kinguin answered {what} with an unexpected body.")
        return _order(answer)

    async def keys(self, order_id: str) -> list[RemoteKey]:
        """The keys Kinguin has for the order so far, every page of them; none while it has none."""
        size = self._settings.keys_page_size
        found: list[RemoteKey] = []
        for page in range(1, MAX_KEY_PAGES + 1):
            answer = await self._get(
                f"/v2/order/{_path_part(order_id)}/keys", {"page": page, "limit": size}, missing_ok=True
            )
            entries = answer.get("results") if isinstance(answer, dict) else answer
            if answer is None or not entries:
                break
            if not isinstance(entries, list):
                raise SupplierUnavailable("Kinguin answered GET /v2/order/{id}/keys with an unexpected body.")
            found.extend(_key(entry) for entry in entries if isinstance(entry, dict))
            if len(entries) < size:
                break
        return found

    async def _get(self, path: str, params: dict[str, Any] | None, *, missing_ok: bool = False) -> Any:
        """JSON of a GET, retried on a 5xx or a failed connection; None for a 404 when `missing_ok`."""
        what = "GET " + _shape(path)
        attempts = max(self._settings.get_attempts, 1)
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = await self._http.get(path, params=params)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
                if last:
                    raise SupplierUnavailable(f"Kinguin {what} failed: {type(exc).__name__}.") from exc
            except httpx.HTTPError as exc:
                raise SupplierUnavailable(f"Kinguin {what} failed: {type(exc).__name__}.") from exc
            else:
                if response.status_code == 404 and missing_ok:
                    return None
                if response.status_code < 400:
                    return _json(response, what)
                if response.status_code < 500 or last:
                    raise SupplierUnavailable(f"Kinguin answered {response.status_code} to {what}.")
            log.info("Kinguin %s: attempt %d of %d failed; retrying", what, attempt, attempts)
            await asyncio.sleep(self._settings.retry_backoff * attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def _order(entry: dict[str, Any]) -> RemoteOrder:
    order_id = entry.get("orderId")
    if not isinstance(order_id, str | int) or not str(order_id).strip() or len(str(order_id)) > 64:
        raise SupplierUnavailable("Kinguin sent an order without a usable orderId.")
    external = entry.get("orderExternalId")
    status = entry.get("status")
    return RemoteOrder(
        order_id=str(order_id),
        external_id=str(external) if external is not None else None,
        status=str(status) if isinstance(status, str) and status else "unknown",
        updated_at=parse_kinguin_time(entry.get("updatedAt")) or parse_kinguin_time(entry.get("createdAt")),
    )


def _key(entry: dict[str, Any]) -> RemoteKey:
    serial = entry.get("serial")
    if not isinstance(serial, str):
        raise SupplierRefused("Kinguin sent a key without a serial.")
    key_id = entry.get("id")
    content_type = entry.get("type")
    return RemoteKey(
        key_id=str(key_id) if isinstance(key_id, str | int) and str(key_id) else None,
        serial=serial,
        content_type=content_type.strip().lower() if isinstance(content_type, str) else "text/plain",
    )


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        raise SupplierUnavailable(f"Kinguin answered {what} with a body that is not JSON.") from None


def _reason(response: httpx.Response) -> str:
    """Kinguin's short explanation of a refusal, if it gave one (printable, at most 80 characters)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    detail = body.get("detail") or body.get("message") or body.get("title")
    if not isinstance(detail, str):
        return ""
    cleaned = "".join(ch for ch in detail if ch.isprintable())[:80].strip()
    return f": {cleaned}" if cleaned else ""


def _path_part(value: str) -> str:
    return quote(value, safe="")


def _shape(path: str) -> str:
    """The route of a path without its ids, for messages: /v2/order/ABC/keys -> /v2/order/{id}/keys."""
    parts = path.split("/")
    if len(parts) > 3 and parts[2] == "order":
        parts[3] = "{id}"
    return "/".join(parts)
